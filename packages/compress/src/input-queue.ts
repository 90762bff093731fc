/**
 * The input side of a resumable decoder: the bytes received so far, a read position, and whether more
 * may come. Container decoders are written as generators that `yield` when they need bytes that have
 * not arrived, so one implementation serves both one-shot decoding (all input present, never yields)
 * and streaming (the driver appends a chunk and resumes the generator).
 */
import type { InitkitError } from '@initkit/core';
import { type CompressErrorCode, compressError } from './errors.js';

export class InputQueue {
  /** Received bytes; `bytes[position]` is the next unread one. */
  bytes: Uint8Array;
  position = 0;
  /** Number of valid bytes in `bytes`. */
  end: number;
  /** Absolute input offset of `bytes[0]` (grows as consumed bytes are dropped). */
  base = 0;
  /** True once the last chunk has arrived. */
  final: boolean;
  /**
   * Set by a streaming driver when decoded output is waiting to be handed on: the decoder then yields
   * at its next `need` as if it needed input, so a bomb cannot decode ahead into memory.
   */
  paused = false;
  readonly truncatedCode: CompressErrorCode;

  constructor(bytes: Uint8Array, final: boolean, truncatedCode: CompressErrorCode) {
    this.bytes = bytes;
    this.end = bytes.length;
    this.final = final;
    this.truncatedCode = truncatedCode;
  }

  /** Absolute offset of the read position in the whole input. */
  get offset(): number {
    return this.base + this.position;
  }

  /** Input bytes received so far (what a streaming ratio guard measures output against). */
  get received(): number {
    return this.base + this.end;
  }

  get available(): number {
    return this.end - this.position;
  }

  /**
   * Appends a chunk (streaming only: the queue then owns its buffer), dropping bytes already read except
   * the last `keep` before the read position.
   */
  append(chunk: Uint8Array, keep = 0): void {
    if (this.end + chunk.length <= this.bytes.length) {
      this.bytes.set(chunk, this.end);
      this.end += chunk.length;
      return;
    }
    const from = Math.max(0, this.position - keep);
    const unread = this.end - from;
    const needed = unread + chunk.length;
    const target = needed <= this.bytes.length >> 1 ? this.bytes : new Uint8Array(Math.max(needed * 2, 1 << 16));
    target.set(this.bytes.subarray(from, this.end));
    target.set(chunk, unread);
    this.bytes = target;
    this.base += from;
    this.position -= from;
    this.end = needed;
  }

  /** The error for input that ended early. */
  truncated(what: string, needed: number): InitkitError {
    return compressError(this.truncatedCode, `${what}: needed ${needed} bytes but only ${this.available} remain`, {
      offset: this.offset,
    });
  }

  u8(): number {
    return this.bytes[this.position++]!;
  }

  u16be(): number {
    const b = this.bytes;
    const p = this.position;
    this.position += 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32le(): number {
    const b = this.bytes;
    const p = this.position;
    this.position += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  u32be(): number {
    const b = this.bytes;
    const p = this.position;
    this.position += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  take(count: number): Uint8Array {
    const view = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return view;
  }
}

/**
 * Waits (by yielding to the driver) until `count` bytes are available; throws the truncation error when
 * the input has ended. Use as `yield* need(queue, 12, 'xz stream header')`.
 */
export function* need(queue: InputQueue, count: number, what: string): Generator<void, void, void> {
  while (queue.paused) yield;
  while (queue.end - queue.position < count) {
    if (queue.final) throw queue.truncated(what, count);
    yield;
  }
}

/** Whether at least `count` more bytes may still exist: waits for them or for the end of input. */
export function* peekAvailable(queue: InputQueue, count: number): Generator<void, boolean, void> {
  while (queue.end - queue.position < count) {
    if (queue.final) return false;
    yield;
  }
  return true;
}

/** Runs a decoder generator over input that is already complete; it must not ask for more. */
export function runComplete<T>(generator: Generator<void, T, void>): T {
  const step = generator.next();
  if (!step.done) throw compressError('COMPRESS_INTERNAL', 'decoder asked for more input after the end');
  return step.value;
}

/**
 * True when the bytes already at hand cannot begin `magic` (compared as far as they go). Input too short
 * for a header whose first bytes already differ is a bad magic, not a truncation: the 2-byte "XY" is a
 * bad magic in every initkit reader, whole or fed a byte at a time.
 */
export function differsFromMagic(bytes: Uint8Array, at: number, end: number, magic: ArrayLike<number>): boolean {
  const count = Math.min(end - at, magic.length);
  for (let i = 0; i < count; i++) if (bytes[at + i] !== magic[i]) return true;
  return false;
}

/** A zstd frame or a skippable frame (5? 2a 4d 18) can still begin at `at`, as far as the bytes go. */
export function mayBeginZstdFrame(bytes: Uint8Array, at: number, end: number): boolean {
  if (at >= end) return true;
  if (bytes[at] === 0x28) return !differsFromMagic(bytes, at, end, [0x28, 0xb5, 0x2f, 0xfd]);
  return (bytes[at]! & 0xf0) === 0x50 && !differsFromMagic(bytes, at + 1, end, [0x2a, 0x4d, 0x18]);
}
