/**
 * The LZ4 block format shared by legacy lz4 (the kernel's) and the lz4 frame format: sequences of
 * literals and (offset, length) matches. Decoding checks every length and offset against the buffers;
 * encoding is a greedy single-hash-table compressor that keeps the format's end-of-block rules.
 */
import type { InitkitError } from '@initkit/core';
import { compressError } from '../errors.js';
import { copyMatch } from '../match-copy.js';

/** Literal runs at least this long are copied with `set`; shorter ones eight bytes at a time. */
const LONG_LITERALS = 64;
/** Non-overlapping matches at least this long are copied with `copyWithin`; shorter ones eight bytes at a time. */
const LONG_MATCH = 64;
/**
 * Short copies move eight bytes per step through DataViews (four times faster than a byte loop in V8)
 * and may write up to this many bytes past their end; those bytes are overwritten by what follows, and
 * near the end of the buffers the byte loop is used instead.
 */
const WILD = 8;

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes `input[start..end)` into `out` at `outPos` (not past `outLimit`, which must be within `out`);
 * matches may reach back to `historyStart`. Returns the new output position. Bytes of `out` between the
 * returned position and `outLimit` may be overwritten.
 */
export function decodeLz4Block(
  input: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outPos: number,
  outLimit: number,
  historyStart: number,
  errorBase: number,
): number {
  // Module constants as locals: the bundler turns top-level consts into vars, which V8 cannot treat as
  // constants (that cost the XXH64 loop a factor of three); locals it can.
  const wild = WILD;
  const longLiterals = LONG_LITERALS;
  const longMatch = LONG_MATCH;
  const inView = viewOf(input);
  const outView = viewOf(out);
  // Past these positions an eight-byte step could leave the block or the output room.
  const inWild = end - wild;
  const outWild = Math.min(outLimit, out.length) - wild;
  let ip = start;
  let op = outPos;
  for (;;) {
    if (ip >= end) throw corrupt('LZ4 block ends before its last sequence', errorBase + ip);
    const token = input[ip++]!;
    let literalLength = token >>> 4;
    if (literalLength === 15) {
      let byte: number;
      do {
        if (ip >= end) throw corrupt('LZ4 literal length runs past the block', errorBase + ip);
        byte = input[ip++]!;
        literalLength += byte;
      } while (byte === 255);
    }
    if (literalLength > 0) {
      const literalEnd = ip + literalLength;
      if (literalEnd > end) throw corrupt('LZ4 literals run past the block', errorBase + ip);
      if (op + literalLength > outLimit) throw tooLarge(errorBase + ip);
      if (literalLength >= longLiterals) {
        out.set(input.subarray(ip, literalEnd), op);
        op += literalLength;
      } else if (literalEnd <= inWild && op + literalLength <= outWild) {
        let o = op;
        op += literalLength;
        do {
          outView.setInt32(o, inView.getInt32(ip, true), true);
          outView.setInt32(o + 4, inView.getInt32(ip + 4, true), true);
          o += 8;
          ip += 8;
        } while (o < op);
      } else {
        while (ip < literalEnd) out[op++] = input[ip++]!;
      }
      ip = literalEnd;
    }
    if (ip === end) return op;
    if (ip + 2 > end) throw corrupt('LZ4 match offset runs past the block', errorBase + ip);
    const offset = input[ip]! | (input[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op - historyStart) {
      throw corrupt(`LZ4 match offset ${offset} reaches before the start of the data`, errorBase + ip - 2);
    }
    let matchLength = (token & 15) + 4;
    if (matchLength === 19) {
      let byte: number;
      do {
        if (ip >= end) throw corrupt('LZ4 match length runs past the block', errorBase + ip);
        byte = input[ip++]!;
        matchLength += byte;
      } while (byte === 255);
    }
    if (op + matchLength > outLimit) throw tooLarge(errorBase + ip);
    if (offset >= wild && matchLength < longMatch && op + matchLength <= outWild) {
      // Each eight-byte step reads bytes at least eight behind the write position: all final already.
      let src = op - offset;
      const stop = op + matchLength;
      do {
        outView.setInt32(op, outView.getInt32(src, true), true);
        outView.setInt32(op + 4, outView.getInt32(src + 4, true), true);
        op += 8;
        src += 8;
      } while (op < stop);
      op = stop;
    } else {
      op = copyMatch(out, op, offset, matchLength);
    }
  }
}

function corrupt(message: string, offset: number): InitkitError {
  return compressError('LZ4_CORRUPT', message, { offset });
}

function tooLarge(offset: number): InitkitError {
  return compressError('LZ4_CORRUPT', 'LZ4 block decodes to more than its size limit', { offset });
}

/** The most bytes an LZ4 block of `size` input bytes can take. */
export function lz4CompressBound(size: number): number {
  return size + Math.floor(size / 255) + 16;
}

const HASH_BITS = 16;
const MIN_MATCH = 4;
/** The last match must start at least this many bytes before the end of the block. */
const MATCH_FIND_LIMIT = 12;
/** The last this-many bytes are always literals. */
const LAST_LITERALS = 5;
const MAX_OFFSET = 65535;

/**
 * Compresses `input[start..end)` as one independent LZ4 block into `out` at `outPos`; returns the end
 * position. `out` needs lz4CompressBound(end - start) bytes of room. `table` is scratch space.
 */
export function encodeLz4Block(
  input: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outPos: number,
  table: Int32Array,
): number {
  table.fill(-1);
  let op = outPos;
  let anchor = start;
  let ip = start;
  const matchLimit = end - LAST_LITERALS;
  const searchLimit = end - MATCH_FIND_LIMIT;
  while (ip < searchLimit) {
    const sequence = input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16) | (input[ip + 3]! << 24);
    const hash = Math.imul(sequence, 0x9e3779b1) >>> (32 - HASH_BITS);
    const candidate = table[hash]!;
    table[hash] = ip;
    if (
      candidate < start ||
      ip - candidate > MAX_OFFSET ||
      input[candidate] !== input[ip] ||
      input[candidate + 1] !== input[ip + 1] ||
      input[candidate + 2] !== input[ip + 2] ||
      input[candidate + 3] !== input[ip + 3]
    ) {
      ip++;
      continue;
    }
    // Extend the match forwards (not into the last literals) and backwards over pending literals.
    let matchEnd = ip + MIN_MATCH;
    let reference = candidate + MIN_MATCH;
    while (matchEnd < matchLimit && input[matchEnd] === input[reference]) {
      matchEnd++;
      reference++;
    }
    let matchStart = ip;
    let referenceStart = candidate;
    while (matchStart > anchor && referenceStart > start && input[matchStart - 1] === input[referenceStart - 1]) {
      matchStart--;
      referenceStart--;
    }
    op = writeSequence(input, anchor, matchStart - anchor, matchStart - referenceStart, matchEnd - matchStart, out, op);
    anchor = matchEnd;
    ip = matchEnd;
    if (ip - 2 >= start && ip - 2 < searchLimit) {
      const at = ip - 2;
      const value = input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! << 24);
      table[Math.imul(value, 0x9e3779b1) >>> (32 - HASH_BITS)] = at;
    }
  }
  // Last literals.
  return writeSequence(input, anchor, end - anchor, 0, 0, out, op);
}

function writeSequence(
  input: Uint8Array,
  literalStart: number,
  literalLength: number,
  offset: number,
  matchLength: number,
  out: Uint8Array,
  outPos: number,
): number {
  let op = outPos;
  const tokenPos = op++;
  let token = 0;
  if (literalLength >= 15) {
    token = 0xf0;
    let rest = literalLength - 15;
    while (rest >= 255) {
      out[op++] = 255;
      rest -= 255;
    }
    out[op++] = rest;
  } else {
    token = literalLength << 4;
  }
  out.set(input.subarray(literalStart, literalStart + literalLength), op);
  op += literalLength;
  if (matchLength > 0) {
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    const code = matchLength - MIN_MATCH;
    if (code >= 15) {
      token |= 15;
      let rest = code - 15;
      while (rest >= 255) {
        out[op++] = 255;
        rest -= 255;
      }
      out[op++] = rest;
    } else {
      token |= code;
    }
  }
  out[tokenPos] = token;
  return op;
}

/** Scratch hash table for encodeLz4Block. */
export function createLz4HashTable(): Int32Array {
  return new Int32Array(1 << HASH_BITS);
}
