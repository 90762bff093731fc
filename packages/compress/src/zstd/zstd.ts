/**
 * zstd: frames (and skippable frames) are walked here block header by block header, so the end of the
 * data is known exactly; each frame's payload is decoded by fzstd and its XXH64 content checksum, which
 * fzstd skips, is verified here.
 */
import { InitkitError } from '@initkit/core';
import { Decompress, decompress } from 'fzstd';
import { Xxh64 } from '../checksum/xxhash.js';
import { checkOutput, concatBytes, type OutputLimits } from '../limits.js';

const ZSTD_MAGIC = 0xfd2fb528;
const MAX_BLOCK_SIZE = 128 * 1024;

export interface ZstdFrame {
  /** Offset of the frame in the input. */
  start: number;
  /** Offset just past the frame (checksum included). */
  end: number;
  skippable: boolean;
  /** Declared content size, when the frame header has one. */
  contentSize: number | undefined;
  /** The stored checksum (low 32 bits of XXH64), when present. */
  checksum: number | undefined;
  /** Upper bound of the decoded size from the block headers. */
  maxSize: number;
}

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function truncated(what: string, offset: number): InitkitError {
  return new InitkitError('ZSTD_TRUNCATED', `${what} runs past the end of the input`, { offset });
}

/** Reads one frame's layout at `start` without decoding it. */
export function scanZstdFrame(input: Uint8Array, start: number): ZstdFrame {
  if (start + 8 > input.length) throw truncated('zstd frame header', start);
  const magic = u32le(input, start);
  if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
    const size = u32le(input, start + 4);
    const end = start + 8 + size;
    if (end > input.length) throw truncated('zstd skippable frame', start);
    return { start, end, skippable: true, contentSize: 0, checksum: undefined, maxSize: 0 };
  }
  if (magic !== ZSTD_MAGIC) {
    throw new InitkitError('ZSTD_BAD_MAGIC', `expected a zstd frame magic, found 0x${magic.toString(16)}`, {
      offset: start,
    });
  }
  let at = start + 4;
  const descriptor = input[at++]!;
  if (descriptor & 0x08)
    throw new InitkitError('ZSTD_CORRUPT', 'frame header sets the reserved bit', { offset: at - 1 });
  const contentSizeFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const hasChecksum = (descriptor & 0x04) !== 0;
  const dictionaryIdSize = [0, 1, 2, 4][descriptor & 3]!;
  if (!singleSegment) at++;
  at += dictionaryIdSize;
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]!;
  if (at + contentSizeBytes > input.length) throw truncated('zstd frame header', start);
  let contentSize: number | undefined;
  if (contentSizeBytes === 1) contentSize = input[at]!;
  else if (contentSizeBytes === 2) contentSize = (input[at]! | (input[at + 1]! << 8)) + 256;
  else if (contentSizeBytes === 4) contentSize = u32le(input, at);
  else if (contentSizeBytes === 8) contentSize = u32le(input, at + 4) * 2 ** 32 + u32le(input, at);
  at += contentSizeBytes;
  if ((descriptor & 3) !== 0) {
    let dictionaryId = 0;
    for (let i = 0; i < dictionaryIdSize; i++)
      dictionaryId |= input[at - contentSizeBytes - dictionaryIdSize + i]! << (8 * i);
    if (dictionaryId !== 0) {
      throw new InitkitError('ZSTD_UNSUPPORTED', `zstd frame needs dictionary ${dictionaryId >>> 0}`, {
        offset: start + 5,
      });
    }
  }
  let maxSize = 0;
  for (;;) {
    if (at + 3 > input.length) throw truncated('zstd block header', at);
    const header = input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16);
    const last = header & 1;
    const type = (header >>> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw new InitkitError('ZSTD_CORRUPT', 'reserved zstd block type', { offset: at });
    if (size > MAX_BLOCK_SIZE)
      throw new InitkitError('ZSTD_CORRUPT', `zstd block of ${size} bytes is too large`, { offset: at });
    at += 3 + (type === 1 ? 1 : size);
    maxSize += type === 2 ? MAX_BLOCK_SIZE : size;
    if (at > input.length) throw truncated('zstd block', at);
    if (last) break;
  }
  let checksum: number | undefined;
  if (hasChecksum) {
    if (at + 4 > input.length) throw truncated('zstd checksum', at);
    checksum = u32le(input, at);
    at += 4;
  }
  if (contentSize !== undefined && contentSize > maxSize) {
    throw new InitkitError(
      'ZSTD_CORRUPT',
      `frame declares ${contentSize} bytes but its blocks hold at most ${maxSize}`,
      {
        offset: start,
      },
    );
  }
  return { start, end: at, skippable: false, contentSize, checksum, maxSize };
}

/** Decodes one (non-skippable) frame, verifying its size and checksum. */
export function decodeZstdFrame(
  input: Uint8Array,
  frame: ZstdFrame,
  limits: OutputLimits,
  produced: number,
): Uint8Array {
  const bytes = input.subarray(frame.start, frame.end);
  let output: Uint8Array;
  try {
    if (frame.contentSize !== undefined) {
      checkOutput(limits, produced + frame.contentSize, frame.end, frame.start);
      output = decompress(bytes);
    } else {
      const chunks: Uint8Array[] = [];
      let total = 0;
      const stream = new Decompress((chunk) => {
        total += chunk.length;
        checkOutput(limits, produced + total, frame.end, frame.start);
        chunks.push(chunk);
      });
      stream.push(bytes, true);
      output = concatBytes(chunks, total);
    }
  } catch (error) {
    if (error instanceof InitkitError) throw error;
    throw new InitkitError('ZSTD_CORRUPT', `zstd frame is corrupt: ${(error as Error).message}`, {
      offset: frame.start,
      cause: error,
    });
  }
  if (frame.contentSize !== undefined && output.length !== frame.contentSize) {
    throw new InitkitError(
      'ZSTD_CORRUPT',
      `frame decoded to ${output.length} bytes, header says ${frame.contentSize}`,
      {
        offset: frame.start,
      },
    );
  }
  if (frame.checksum !== undefined) {
    const [, low] = new Xxh64().update(output).digest();
    if (low !== frame.checksum) {
      throw new InitkitError('ZSTD_BAD_CHECKSUM', 'zstd content checksum mismatch: the data is corrupt', {
        offset: frame.end - 4,
      });
    }
  }
  return output;
}

/** Whether a zstd or skippable frame starts at `at`. */
export function isZstdFrameStart(input: Uint8Array, at: number): boolean {
  if (at + 4 > input.length) return false;
  const magic = u32le(input, at);
  return magic === ZSTD_MAGIC || (magic & 0xfffffff0) >>> 0 === 0x184d2a50;
}

/** Decodes consecutive zstd and skippable frames from the start of `input`. */
export function decodeZstdFrames(input: Uint8Array, limits: OutputLimits): { output: Uint8Array; consumed: number } {
  const outputs: Uint8Array[] = [];
  let produced = 0;
  let at = 0;
  do {
    const frame = scanZstdFrame(input, at);
    if (!frame.skippable) {
      const output = decodeZstdFrame(input, frame, limits, produced);
      produced += output.length;
      outputs.push(output);
    }
    at = frame.end;
  } while (isZstdFrameStart(input, at));
  return { output: outputs.length === 0 ? new Uint8Array(0) : concatBytes(outputs, produced), consumed: at };
}
