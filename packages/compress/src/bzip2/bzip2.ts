/**
 * bzip2 decoding: per block, Huffman-coded MTF/run-length symbols are turned back into the
 * Burrows-Wheeler-transformed block, inverted, and run-length decoded; each block's CRC and the
 * stream's combined CRC are verified. Concatenated streams (as pbzip2 and `cat` make) are decoded too.
 */

import { compressError } from '../errors.js';
import type { OutputBuffer } from '../limits.js';

const BLOCK_MAGIC_HIGH = 0x314159;
const BLOCK_MAGIC_LOW = 0x265359;
const END_MAGIC_HIGH = 0x177245;
const END_MAGIC_LOW = 0x385090;
const MAX_GROUPS = 6;
const GROUP_SIZE = 50;
const MAX_CODE_LENGTH = 20;

/** CRC-32 with the polynomial 0x04C11DB7 fed most significant bit first, as bzip2 uses it. */
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c;
  }
  return table;
})();

class BitReader {
  private position: number;
  private buffer = 0;
  private count = 0;

  constructor(
    private readonly input: Uint8Array,
    start: number,
  ) {
    this.position = start;
  }

  /** Reads `n` (1-24) bits, most significant first. */
  bits(n: number): number {
    while (this.count < n) {
      if (this.position >= this.input.length) {
        throw compressError('BZIP2_TRUNCATED', 'bzip2 data ends early', { offset: this.position });
      }
      this.buffer = ((this.buffer << 8) | this.input[this.position++]!) >>> 0;
      this.count += 8;
    }
    this.count -= n;
    return (this.buffer >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    return this.bits(1);
  }

  /** Input bytes used so far (a partly read byte counts as used). */
  get bytePosition(): number {
    return this.position;
  }

  /** Offset of the next unread byte, for error messages. */
  get offset(): number {
    return this.position;
  }
}

interface HuffmanTable {
  minLength: number;
  maxLength: number;
  /** limit[len]: the largest code of that length (left-aligned to len bits), or -1. */
  limit: Int32Array;
  /** base[len]: perm index of the first code of that length, minus that code. */
  base: Int32Array;
  perm: Uint16Array;
}

function buildHuffman(lengths: Uint8Array, alphabetSize: number): HuffmanTable {
  let minLength = MAX_CODE_LENGTH;
  let maxLength = 0;
  for (let i = 0; i < alphabetSize; i++) {
    minLength = Math.min(minLength, lengths[i]!);
    maxLength = Math.max(maxLength, lengths[i]!);
  }
  const perm = new Uint16Array(alphabetSize);
  const limit = new Int32Array(MAX_CODE_LENGTH + 2).fill(-1);
  const base = new Int32Array(MAX_CODE_LENGTH + 2);
  let index = 0;
  let code = 0;
  for (let length = minLength; length <= maxLength; length++) {
    base[length] = index - code;
    for (let symbol = 0; symbol < alphabetSize; symbol++) {
      if (lengths[symbol] === length) {
        perm[index++] = symbol;
        code++;
      }
    }
    limit[length] = code - 1;
    code <<= 1;
  }
  return { minLength, maxLength, limit, base, perm };
}

function decodeSymbol(reader: BitReader, table: HuffmanTable): number {
  let code = reader.bits(table.minLength);
  for (let length = table.minLength; length <= table.maxLength; length++) {
    if (code <= table.limit[length]!) return table.perm[code + table.base[length]!]!;
    code = (code << 1) | reader.bit();
  }
  throw compressError('BZIP2_CORRUPT', 'invalid Huffman code in bzip2 block', { offset: reader.offset });
}

/** Decodes concatenated bzip2 streams from the start of `input` into `output`; returns the bytes used. */
export function decodeBzip2Streams(input: Uint8Array, output: OutputBuffer): number {
  let at = 0;
  do {
    at = decodeStream(input, at, output);
  } while (at + 4 <= input.length && input[at] === 0x42 && input[at + 1] === 0x5a && input[at + 2] === 0x68);
  return at;
}

function decodeStream(input: Uint8Array, start: number, output: OutputBuffer): number {
  if (input.length < start + 4 || input[start] !== 0x42 || input[start + 1] !== 0x5a || input[start + 2] !== 0x68) {
    throw compressError('BZIP2_BAD_MAGIC', 'not a bzip2 stream (expected "BZh")', { offset: start });
  }
  const level = input[start + 3]! - 0x30;
  if (level < 1 || level > 9) {
    throw compressError('BZIP2_BAD_MAGIC', `bzip2 block size digit ${input[start + 3]} is not 1-9`, {
      offset: start + 3,
    });
  }
  const maxBlockSize = level * 100000;
  const reader = new BitReader(input, start + 4);
  const tt = new Int32Array(maxBlockSize);
  let combinedCrc = 0;
  for (;;) {
    const blockOffset = reader.offset;
    const magicHigh = reader.bits(24);
    const magicLow = reader.bits(24);
    if (magicHigh === END_MAGIC_HIGH && magicLow === END_MAGIC_LOW) {
      const stored = ((reader.bits(16) << 16) | reader.bits(16)) >>> 0;
      if (stored !== combinedCrc >>> 0) {
        throw compressError('BZIP2_BAD_CHECKSUM', 'bzip2 stream CRC mismatch', { offset: reader.offset - 4 });
      }
      return reader.bytePosition;
    }
    if (magicHigh !== BLOCK_MAGIC_HIGH || magicLow !== BLOCK_MAGIC_LOW) {
      throw compressError('BZIP2_CORRUPT', 'expected a bzip2 block or end-of-stream magic', { offset: blockOffset });
    }
    const storedCrc = ((reader.bits(16) << 16) | reader.bits(16)) >>> 0;
    output.inputBytes = input.length;
    const blockCrc = decodeBlock(reader, tt, maxBlockSize, output);
    if (blockCrc !== storedCrc) {
      throw compressError('BZIP2_BAD_CHECKSUM', 'bzip2 block CRC mismatch: the data is corrupt', {
        offset: blockOffset,
      });
    }
    combinedCrc = (((combinedCrc << 1) | (combinedCrc >>> 31)) ^ blockCrc) >>> 0;
  }
}

/** Decodes one block into `output`; returns the CRC of its bytes. */
function decodeBlock(reader: BitReader, tt: Int32Array, maxBlockSize: number, output: OutputBuffer): number {
  const blockOffset = reader.offset;
  const corrupt = (message: string) => compressError('BZIP2_CORRUPT', message, { offset: reader.offset });
  if (reader.bit()) {
    throw compressError('BZIP2_UNSUPPORTED', 'randomised bzip2 blocks (bzip2 0.9.0) are not supported', {
      offset: blockOffset,
    });
  }
  const origin = reader.bits(24);
  // Symbols in use: 16 groups of 16.
  const symbolMap = new Uint8Array(256);
  let inUse = 0;
  const groups = reader.bits(16);
  for (let g = 0; g < 16; g++) {
    if (groups & (0x8000 >>> g)) {
      const bits = reader.bits(16);
      for (let k = 0; k < 16; k++) if (bits & (0x8000 >>> k)) symbolMap[inUse++] = g * 16 + k;
    }
  }
  if (inUse === 0) throw corrupt('bzip2 block uses no symbols');
  const alphabetSize = inUse + 2;
  const tableCount = reader.bits(3);
  if (tableCount < 2 || tableCount > MAX_GROUPS) throw corrupt(`bzip2 block has ${tableCount} Huffman tables`);
  const selectorCount = reader.bits(15);
  if (selectorCount === 0) throw corrupt('bzip2 block has no selectors');
  const selectors = new Uint8Array(selectorCount);
  const mtfTables = [0, 1, 2, 3, 4, 5].slice(0, tableCount);
  for (let i = 0; i < selectorCount; i++) {
    let j = 0;
    while (reader.bit()) {
      j++;
      if (j >= tableCount) throw corrupt('bzip2 selector out of range');
    }
    const value = mtfTables[j]!;
    mtfTables.splice(j, 1);
    mtfTables.unshift(value);
    selectors[i] = value;
  }
  const tables: HuffmanTable[] = [];
  const lengths = new Uint8Array(258);
  for (let t = 0; t < tableCount; t++) {
    let length = reader.bits(5);
    for (let symbol = 0; symbol < alphabetSize; symbol++) {
      for (;;) {
        if (length < 1 || length > MAX_CODE_LENGTH) throw corrupt('bzip2 code length out of range');
        if (!reader.bit()) break;
        length += reader.bit() ? -1 : 1;
      }
      lengths[symbol] = length;
    }
    tables.push(buildHuffman(lengths, alphabetSize));
  }

  // Huffman symbols -> MTF indexes with RUNA/RUNB zero runs -> bytes of the BWT block.
  const mtf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mtf[i] = i;
  const byteCount = new Int32Array(256);
  const endOfBlock = inUse + 1;
  let count = 0;
  let runLength = 0;
  let runBit = 1;
  let selectorIndex = 0;
  let groupLeft = 0;
  let table = tables[0]!;
  for (;;) {
    if (groupLeft === 0) {
      if (selectorIndex >= selectorCount) throw corrupt('bzip2 block runs past its selectors');
      table = tables[selectors[selectorIndex++]!]!;
      groupLeft = GROUP_SIZE;
    }
    groupLeft--;
    const symbol = decodeSymbol(reader, table);
    if (symbol <= 1) {
      runLength += runBit << symbol;
      runBit <<= 1;
      if (runLength > maxBlockSize) throw corrupt('bzip2 run is longer than the block');
      continue;
    }
    if (runLength > 0) {
      if (count + runLength > maxBlockSize) throw corrupt('bzip2 block is larger than its declared size');
      const value = symbolMap[mtf[0]!]!;
      byteCount[value]! += runLength;
      tt.fill(value, count, count + runLength);
      count += runLength;
      runLength = 0;
      runBit = 1;
    }
    if (symbol === endOfBlock) break;
    if (count >= maxBlockSize) throw corrupt('bzip2 block is larger than its declared size');
    const index = symbol - 1;
    const front = mtf[index]!;
    mtf.copyWithin(1, 0, index);
    mtf[0] = front;
    const value = symbolMap[front]!;
    byteCount[value]!++;
    tt[count++] = value;
  }
  if (origin >= count) throw corrupt(`bzip2 origin pointer ${origin} is outside the ${count}-byte block`);

  // Inverse Burrows-Wheeler transform: link each position to the next in the original order.
  let sum = 0;
  for (let i = 0; i < 256; i++) {
    const c = byteCount[i]!;
    byteCount[i] = sum;
    sum += c;
  }
  for (let i = 0; i < count; i++) {
    const value = tt[i]! & 0xff;
    tt[byteCount[value]!]! |= i << 8;
    byteCount[value]!++;
  }

  // Undo the initial run-length encoding (4 equal bytes, then a repeat count) while writing out.
  output.reserve(count);
  let out = output.bytes;
  let op = output.length;
  let crc = -1;
  let position = tt[origin]! >>> 8;
  let previous = -1;
  let run = 0;
  for (let i = 0; i < count; i++) {
    const entry = tt[position]!;
    const value = entry & 0xff;
    position = entry >>> 8;
    if (run === 4) {
      if (value > 0) {
        if (op + value > out.length) {
          output.length = op;
          output.reserve(Math.max(value, count - i) + value);
          out = output.bytes;
        }
        out.fill(previous, op, op + value);
        for (let k = 0; k < value; k++) crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ previous) & 0xff]!;
        op += value;
      }
      run = 0;
      continue;
    }
    if (value === previous) run++;
    else {
      run = 1;
      previous = value;
    }
    if (op >= out.length) {
      output.length = op;
      output.reserve(count - i + 1024);
      out = output.bytes;
    }
    out[op++] = value;
    crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ value) & 0xff]!;
  }
  output.commit(op);
  tt.fill(0, 0, count);
  return ~crc >>> 0;
}
