/**
 * Output limits for decoders: an absolute maximum output size (2 GiB by default for one-shot decoding,
 * none by default when streaming, where the window bounds memory) and an optional output/input ratio
 * (off by default: real data such as zero-filled images expands a million-fold), checked as the output
 * grows so a compression bomb fails with a typed error before memory runs out.
 */
import { DEFAULT_LIMITS } from '@initkit/core';
import { compressError } from './errors.js';
import type { DecodeOptions } from './format.js';

/** Below this many output bytes the ratio guard stays quiet (tiny inputs have huge ratios legitimately). */
export const RATIO_FLOOR_BYTES = 1 << 20;

export interface OutputLimits {
  maxOutputBytes: number;
  maxRatio: number;
}

/** The one-shot decoders' default output limit: the output must fit in one buffer in memory. */
export const DEFAULT_MAX_OUTPUT_BYTES = DEFAULT_LIMITS.maxOutputBytes;

/** The limits to decode with; `streaming` decoders hold only a window, so they default to no size limit. */
export function outputLimits(options: DecodeOptions = {}, streaming = false): OutputLimits {
  const maxOutputBytes = options.maxOutputBytes ?? (streaming ? Number.POSITIVE_INFINITY : DEFAULT_MAX_OUTPUT_BYTES);
  const maxRatio = options.maxRatio ?? Number.POSITIVE_INFINITY;
  if (!(maxOutputBytes >= 0) || !(maxRatio > 0)) {
    throw compressError(
      'COMPRESS_BAD_OPTION',
      `limits must be positive (maxOutputBytes ${maxOutputBytes}, maxRatio ${maxRatio})`,
    );
  }
  return { maxOutputBytes, maxRatio };
}

/** Throws when `outputBytes` of output from `inputBytes` of input break a limit. */
export function checkOutput(limits: OutputLimits, outputBytes: number, inputBytes: number, offset?: number): void {
  if (outputBytes > limits.maxOutputBytes) {
    throw compressError(
      'COMPRESS_OUTPUT_TOO_LARGE',
      `decompressed output would exceed the limit of ${limits.maxOutputBytes} bytes (maxOutputBytes)`,
      { offset },
    );
  }
  if (outputBytes > RATIO_FLOOR_BYTES && outputBytes > limits.maxRatio * Math.max(inputBytes, 1)) {
    throw compressError(
      'COMPRESS_RATIO_TOO_LARGE',
      `${outputBytes} bytes of output from ${inputBytes} bytes of input exceeds the ratio limit of ${limits.maxRatio} (maxRatio)`,
      { offset },
    );
  }
}

/**
 * The most a decoder allocates ahead of output it has actually decoded, from sizes a header declares:
 * 1032 bytes per input byte (DEFLATE's own maximum) plus 1 MiB. Beyond it the buffer grows as data
 * arrives, so a header that lies costs no memory, while real data of any ratio still decodes.
 */
export function preallocationCap(inputBytes: number): number {
  return inputBytes * 1032 + (1 << 20);
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
    const initial = Math.min(
      Math.max(sizeHint, 1024),
      Math.max(limits.maxOutputBytes, 1024),
      preallocationCap(inputBytes),
    );
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
   * The bytes written, within the limits. No copy when little capacity is unused (the view then shares a slightly larger
   * buffer); a copy when most of it would be wasted.
   */
  finish(): Uint8Array {
    // The last piece a decoder wrote may not have gone through commit or ensure.
    checkOutput(this.limits, this.length, this.inputBytes);
    if (this.bytes.length - this.length <= this.length >>> 3) return this.bytes.subarray(0, this.length);
    return this.bytes.slice(0, this.length);
  }
}

/** Core's byte concatenation, re-exported for the decoders that import their helpers from here. */
export { concatBytes } from '@initkit/core';
