/**
 * Output limits for decoders: a maximum output size and a maximum output/input ratio, checked as the
 * output grows so a compression bomb fails with a typed error long before memory runs out.
 */
import { DEFAULT_LIMITS, InitkitError } from '@initkit/core';
import type { DecodeOptions } from './format.js';

/** Below this many output bytes the ratio guard stays quiet (tiny inputs have huge ratios legitimately). */
export const RATIO_FLOOR_BYTES = 1 << 20;

export interface OutputLimits {
  maxOutputBytes: number;
  maxRatio: number;
}

export function outputLimits(options: DecodeOptions = {}): OutputLimits {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes;
  const maxRatio = options.maxRatio ?? DEFAULT_LIMITS.maxRatio;
  if (!(maxOutputBytes >= 0) || !(maxRatio > 0)) {
    throw new InitkitError(
      'COMPRESS_BAD_OPTION',
      `limits must be positive (maxOutputBytes ${maxOutputBytes}, maxRatio ${maxRatio})`,
    );
  }
  return { maxOutputBytes, maxRatio };
}

/** Throws when `outputBytes` of output from `inputBytes` of input break a limit. */
export function checkOutput(limits: OutputLimits, outputBytes: number, inputBytes: number, offset?: number): void {
  if (outputBytes > limits.maxOutputBytes) {
    throw new InitkitError(
      'COMPRESS_OUTPUT_TOO_LARGE',
      `decompressed output would exceed the limit of ${limits.maxOutputBytes} bytes (maxOutputBytes)`,
      { offset },
    );
  }
  if (outputBytes > RATIO_FLOOR_BYTES && outputBytes > limits.maxRatio * Math.max(inputBytes, 1)) {
    throw new InitkitError(
      'COMPRESS_RATIO_TOO_HIGH',
      `${outputBytes} bytes of output from ${inputBytes} bytes of input exceeds the ratio limit of ${limits.maxRatio} (maxRatio)`,
      { offset },
    );
  }
}

/**
 * A growable output buffer that enforces the limits on every growth. `bytes` may be written directly
 * up to `bytes.length` after `ensure()`; `length` is how much is valid.
 */
export class OutputBuffer {
  bytes: Uint8Array;
  length = 0;
  readonly limits: OutputLimits;
  /** Input bytes the ratio guard measures against; callers raise it as they consume input. */
  inputBytes: number;

  constructor(limits: OutputLimits, inputBytes: number, sizeHint = 0) {
    this.limits = limits;
    this.inputBytes = inputBytes;
    const initial = Math.min(Math.max(sizeHint, 1024), Math.max(limits.maxOutputBytes, 1024));
    this.bytes = new Uint8Array(initial);
  }

  /** Makes room for `count` more bytes, or throws the limit error. */
  ensure(count: number): void {
    const needed = this.length + count;
    if (needed <= this.bytes.length) return;
    checkOutput(this.limits, needed, this.inputBytes);
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    capacity = Math.min(capacity, Math.max(this.limits.maxOutputBytes, needed));
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /**
   * Grows capacity for up to `count` more bytes without judging them (a decoder that only knows an upper
   * bound of its next piece); call `commit` with the real length afterwards, which checks the limits.
   */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.bytes.length) return;
    const capacity = Math.max(needed, Math.min(this.bytes.length * 2, this.limits.maxOutputBytes + count));
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Sets the valid length after writing into reserved space, enforcing the limits. */
  commit(length: number): void {
    checkOutput(this.limits, length, this.inputBytes);
    this.length = length;
  }

  append(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /**
   * The bytes written. No copy when little capacity is unused (the view then shares a slightly larger
   * buffer); a copy when most of it would be wasted.
   */
  finish(): Uint8Array {
    if (this.bytes.length - this.length <= this.length >>> 3) return this.bytes.subarray(0, this.length);
    return this.bytes.slice(0, this.length);
  }
}

/** Joins chunks into one array. */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const size = total ?? chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}
