/**
 * LZO1X decompression: a byte-oriented LZ77 whose instruction byte picks literal runs or matches of
 * four kinds (short M1, M2 within 2 KiB, M3 within 16 KiB, M4 within 48 KiB, which also ends the
 * stream). Every length and distance is checked against the input and output bounds.
 */
import type { InitkitError } from '@initkit/core';
import { compressError } from '../errors.js';

const M2_MAX_OFFSET = 0x0800;

function corrupt(message: string, offset: number): InitkitError {
  return compressError('LZO_CORRUPT', message, { offset });
}

/**
 * Decodes one LZO1X block `input[start..end)` into `out` from `outPos`, not past `outLimit`. Returns the
 * output end. The block must end exactly with its end-of-stream marker.
 */
export function decodeLzo1x(
  input: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outPos: number,
  outLimit: number,
  errorBase: number,
): number {
  let ip = start;
  let op = outPos;
  /** 0: the previous instruction was a match with no trailing literals; 1-3: it copied that many; 4: a literal run. */
  let state = 0;
  let length = 0;
  let trailing = 0;
  let matchPos = 0;

  const needInput = (count: number) => {
    if (ip + count > end) throw corrupt('LZO block ends in the middle of an instruction', errorBase + ip);
  };
  const needOutput = (count: number) => {
    if (op + count > outLimit) throw corrupt('LZO block decodes to more than its declared size', errorBase + ip);
  };
  /** Reads the run of zero bytes that extends a length field: 255 per zero, plus the final byte. */
  const extendedLength = (base: number): number => {
    let zeros = 0;
    for (;;) {
      needInput(1);
      if (input[ip] !== 0) break;
      ip++;
      zeros++;
    }
    return zeros * 255 + base + input[ip++]!;
  };
  const copyLiterals = (count: number) => {
    needInput(count);
    needOutput(count);
    out.set(input.subarray(ip, ip + count), op);
    ip += count;
    op += count;
  };

  needInput(3);
  if (input[ip]! > 17) {
    length = input[ip++]! - 17;
    if (length < 4) {
      state = length;
      copyLiterals(length);
    } else {
      copyLiterals(length);
      state = 4;
    }
  }
  for (;;) {
    needInput(1);
    const instruction = input[ip++]!;
    if (instruction < 16) {
      if (state === 0) {
        // A literal run of 3 or more bytes.
        length = instruction === 0 ? extendedLength(15) + 3 : instruction + 3;
        copyLiterals(length);
        state = 4;
        continue;
      }
      needInput(1);
      trailing = instruction & 3;
      if (state !== 4) {
        // M1: a 2-byte match within 1 KiB, after a match's trailing literals.
        matchPos = op - 1 - (instruction >>> 2) - (input[ip++]! << 2);
        length = 2;
      } else {
        // After a literal run: a 3-byte match 2-3 KiB back.
        matchPos = op - (1 + M2_MAX_OFFSET) - (instruction >>> 2) - (input[ip++]! << 2);
        length = 3;
      }
    } else if (instruction >= 64) {
      // M2: 3-8 bytes within 2 KiB.
      needInput(1);
      trailing = instruction & 3;
      matchPos = op - 1 - ((instruction >>> 2) & 7) - (input[ip++]! << 3);
      length = (instruction >>> 5) + 1;
    } else if (instruction >= 32) {
      // M3: within 16 KiB.
      length = instruction & 31;
      length = length === 0 ? extendedLength(31) + 2 : length + 2;
      needInput(2);
      const word = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
      matchPos = op - 1 - (word >>> 2);
      trailing = word & 3;
    } else {
      // M4: 16-48 KiB back; distance 0x4000 exactly marks the end of the stream.
      length = instruction & 7;
      length = length === 0 ? extendedLength(7) + 2 : length + 2;
      needInput(2);
      const word = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
      matchPos = op - ((instruction & 8) << 11) - (word >>> 2);
      trailing = word & 3;
      if (matchPos === op) {
        if (length !== 3) throw corrupt('LZO end marker has the wrong length', errorBase + ip - 3);
        if (ip !== end) throw corrupt(`LZO block has ${end - ip} bytes after its end marker`, errorBase + ip);
        return op;
      }
      matchPos -= 0x4000;
    }
    if (matchPos < outPos) throw corrupt('LZO match reaches before the start of the block', errorBase + ip);
    needOutput(length);
    for (let i = 0; i < length; i++) out[op++] = out[matchPos++]!;
    state = trailing;
    copyLiterals(trailing);
  }
}
