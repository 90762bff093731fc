/**
 * Where an LZ decoder's window lives. A linear window is the output itself (one-shot decoding: it grows
 * by doubling and never wraps, so the result needs no copy). A circular window is a dictionary-sized
 * ring that hands out the bytes decoded since the last drain (streaming).
 */
import { concatBytes } from '@initkit/core';
import type { OutputBuffer } from '../limits.js';
import type { LzmaDecoder } from './lzma-decoder.js';

export interface WindowOwner {
  /** Called when `decoder.pos` reached the end of its window: grow it, or drain it and wrap. */
  makeRoom(decoder: LzmaDecoder): void;
  /** Bytes decoded since the last drain, as a view or a copy the caller may keep (circular only). */
  drain(decoder: LzmaDecoder): Uint8Array;
}

export class LinearWindow implements WindowOwner {
  readonly output: OutputBuffer;

  constructor(output: OutputBuffer) {
    this.output = output;
  }

  makeRoom(decoder: LzmaDecoder): void {
    this.output.commit(decoder.pos);
    this.output.reserve(Math.max(this.output.bytes.length, 4096));
    decoder.window = this.output.bytes;
  }

  drain(decoder: LzmaDecoder): Uint8Array {
    this.output.length = decoder.pos;
    return new Uint8Array(0);
  }
}

export class CircularWindow implements WindowOwner {
  private drained = 0;
  /** Chunks drained by makeRoom and not yet handed out. */
  private pending: Uint8Array[] = [];

  makeRoom(decoder: LzmaDecoder): void {
    this.pending.push(decoder.window.slice(this.drained, decoder.pos));
    decoder.pos = 0;
    this.drained = 0;
    decoder.positionBias &= 15;
  }

  drain(decoder: LzmaDecoder): Uint8Array {
    const tail = decoder.window.slice(this.drained, decoder.pos);
    this.drained = decoder.pos;
    if (this.pending.length === 0) return tail;
    this.pending.push(tail);
    const joined = concatBytes(this.pending);
    this.pending = [];
    return joined;
  }
}

/** A circular window's size for a dictionary: a multiple of 16 so position contexts survive wrapping. */
export function circularWindowSize(dictionarySize: number): number {
  return Math.max(4096, Math.ceil(Math.min(dictionarySize, 2 ** 31) / 16) * 16);
}
