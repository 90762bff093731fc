/**
 * zstd's Huffman-coded literals (RFC 8878, 4.2): reading a tree description (weights, direct or
 * FSE-compressed) into a one-lookup decoding table, and decoding one or four backward bit streams into a
 * literal buffer. A table entry is `symbol << 4 | bits`, indexed by the next maxBits bits of the stream.
 */
import type { InitkitError } from '@initkit/core';
import { compressError } from '../errors.js';
import { type FseTable, highBit, newFseTable, readFseTable } from './fse.js';

/** Longest Huffman code zstd allows. */
export const MAX_HUFFMAN_BITS = 11;

export interface HuffmanTable {
  entries: Uint16Array;
  maxBits: number;
}

export function newHuffmanTable(): HuffmanTable {
  return { entries: new Uint16Array(1 << MAX_HUFFMAN_BITS), maxBits: 0 };
}

function corrupt(message: string, offset: number): InitkitError {
  return compressError('ZSTD_CORRUPT', message, { offset });
}

const weights = new Uint8Array(256);
const weightTable: FseTable = newFseTable();
const rankCount = new Uint16Array(MAX_HUFFMAN_BITS + 2);
const rankStart = new Uint32Array(MAX_HUFFMAN_BITS + 2);

/** Reads the tree description at `bytes[start..end)` into `table`; returns the bytes it used. */
export function readHuffmanTable(
  bytes: Uint8Array,
  start: number,
  end: number,
  table: HuffmanTable,
  errorBase: number,
): number {
  if (start >= end) throw corrupt('zstd Huffman tree description is missing', errorBase + start);
  const header = bytes[start]!;
  let count: number;
  let used: number;
  if (header >= 128) {
    count = header - 127;
    used = 1 + ((count + 1) >>> 1);
    if (start + used > end) throw corrupt('zstd Huffman weights run past the literals', errorBase + start);
    for (let i = 0; i < count; i++) {
      const byte = bytes[start + 1 + (i >>> 1)]!;
      weights[i] = i & 1 ? byte & 15 : byte >>> 4;
    }
  } else {
    used = 1 + header;
    if (header === 0 || start + used > end) {
      throw corrupt('zstd Huffman weights run past the literals', errorBase + start);
    }
    count = readFseWeights(bytes, start + 1, start + used, errorBase);
    if (count > 255) throw corrupt('zstd Huffman tree has too many weights', errorBase + start);
  }
  // The last symbol's weight is implied: it completes the total to a power of two.
  let total = 0;
  for (let i = 0; i < count; i++) {
    const weight = weights[i]!;
    if (weight > MAX_HUFFMAN_BITS) throw corrupt(`zstd Huffman weight ${weight} is too large`, errorBase + start);
    if (weight > 0) total += 1 << (weight - 1);
  }
  if (total === 0) throw corrupt('zstd Huffman weights are all zero', errorBase + start);
  const maxBits = highBit(total) + 1;
  const rest = (1 << maxBits) - total;
  if (maxBits > MAX_HUFFMAN_BITS || (rest & (rest - 1)) !== 0) {
    throw corrupt('zstd Huffman weights do not form a prefix code', errorBase + start);
  }
  weights[count] = highBit(rest) + 1;
  const symbols = count + 1;
  // Codes: lower weights (longer codes) take the lower table ranges, in symbol order within a weight.
  rankCount.fill(0);
  for (let symbol = 0; symbol < symbols; symbol++) rankCount[weights[symbol]!]!++;
  let next = 0;
  for (let weight = 1; weight <= maxBits; weight++) {
    rankStart[weight] = next;
    next += rankCount[weight]! << (weight - 1);
  }
  const entries = table.entries;
  for (let symbol = 0; symbol < symbols; symbol++) {
    const weight = weights[symbol]!;
    if (weight === 0) continue;
    const length = 1 << (weight - 1);
    const from = rankStart[weight]!;
    entries.fill((symbol << 4) | (maxBits + 1 - weight), from, from + length);
    rankStart[weight] = from + length;
  }
  table.maxBits = maxBits;
  return used;
}

/** FSE-compressed weights: two interleaved states over one backward stream; returns how many. */
function readFseWeights(bytes: Uint8Array, start: number, end: number, errorBase: number): number {
  const descriptionLength = readFseTable(bytes, start, end, 15, 6, weightTable, errorBase);
  const streamStart = start + descriptionLength;
  if (streamStart >= end || bytes[end - 1] === 0) {
    throw corrupt('zstd Huffman weight stream is empty or has no end mark', errorBase + start);
  }
  const startBit = streamStart * 8;
  let position = (end - 1) * 8 + highBit(bytes[end - 1]!);
  // Bits below the stream's start read as zeros; running into them ends the weights.
  const read = (bits: number): number => {
    let value = 0;
    for (let i = 0; i < bits; i++) {
      position--;
      value <<= 1;
      if (position >= startBit) value |= (bytes[position >>> 3]! >>> (position & 7)) & 1;
    }
    return value;
  };
  const entries = weightTable.entries;
  const accuracyLog = weightTable.accuracyLog;
  let state1 = read(accuracyLog);
  let state2 = read(accuracyLog);
  let count = 0;
  for (;;) {
    if (count > 253) throw corrupt('zstd Huffman tree has too many weights', errorBase + start);
    let entry = entries[state1]!;
    weights[count++] = entry & 0xff;
    state1 = (entry >>> 12) + read((entry >>> 8) & 15);
    if (position < startBit) {
      weights[count++] = entries[state2]! & 0xff;
      break;
    }
    entry = entries[state2]!;
    weights[count++] = entry & 0xff;
    state2 = (entry >>> 12) + read((entry >>> 8) & 15);
    if (position < startBit) {
      weights[count++] = entries[state1]! & 0xff;
      break;
    }
  }
  return count;
}

/**
 * Decodes `count` literals from the backward stream `[startByte, endByte)` of `bytes` (viewed by `view`)
 * into `out` at `outPos`. `bytes` must have at least 16 readable bytes before `startByte` and 4 after
 * `endByte`: lookups read whole words that may reach past the stream (the extra bits are never used).
 */
export function decodeHuffmanStream(
  table: HuffmanTable,
  bytes: Uint8Array,
  view: DataView,
  startByte: number,
  endByte: number,
  out: Uint8Array,
  outPos: number,
  count: number,
  errorBase: number,
): void {
  let position = streamStart(bytes, startByte, endByte, errorBase);
  position = decodeRun(table, view, position, startByte * 8, out, outPos, outPos + count, errorBase);
  if (position !== startByte * 8) throw streamMismatch(errorBase + startByte);
}

function streamStart(bytes: Uint8Array, startByte: number, endByte: number, errorBase: number): number {
  const last = endByte > startByte ? bytes[endByte - 1]! : 0;
  if (last === 0) throw corrupt('zstd Huffman stream is empty or has no end mark', errorBase + startByte);
  return (endByte - 1) * 8 + highBit(last);
}

function streamMismatch(offset: number): InitkitError {
  return corrupt('zstd Huffman stream does not end where its literals do', offset);
}

/** Decodes out[from..to) from the stream at bit `position`; returns the new position. */
function decodeRun(
  table: HuffmanTable,
  view: DataView,
  position: number,
  startBit: number,
  out: Uint8Array,
  from: number,
  to: number,
  errorBase: number,
): number {
  const entries = table.entries;
  const maxBits = table.maxBits;
  const mask = (1 << maxBits) - 1;
  let p = position;
  for (let o = from; o < to; o++) {
    const at = p - maxBits;
    const entry = entries[(view.getInt32(at >> 3, true) >>> (at & 7)) & mask]!;
    out[o] = entry >>> 4;
    p -= entry & 15;
    if (p < startBit) throw corrupt('zstd Huffman stream ends before its literals', errorBase + (startBit >>> 3));
  }
  return p;
}

/** Four streams after a six-byte jump table, decoded in step (independent work for the CPU). */
export function decodeHuffmanStreams4(
  table: HuffmanTable,
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  out: Uint8Array,
  outPos: number,
  count: number,
  errorBase: number,
): void {
  if (start + 6 > end) throw corrupt('zstd Huffman jump table runs past the literals', errorBase + start);
  const size1 = bytes[start]! | (bytes[start + 1]! << 8);
  const size2 = bytes[start + 2]! | (bytes[start + 3]! << 8);
  const size3 = bytes[start + 4]! | (bytes[start + 5]! << 8);
  const start1 = start + 6;
  const start2 = start1 + size1;
  const start3 = start2 + size2;
  const start4 = start3 + size3;
  const segment = (count + 3) >>> 2;
  const lastCount = count - 3 * segment;
  if (start4 > end || lastCount < 0) {
    throw corrupt('zstd Huffman jump table does not fit the literals', errorBase + start);
  }
  let p1 = streamStart(bytes, start1, start2, errorBase);
  let p2 = streamStart(bytes, start2, start3, errorBase);
  let p3 = streamStart(bytes, start3, start4, errorBase);
  let p4 = streamStart(bytes, start4, end, errorBase);
  const s1 = start1 * 8;
  const s2 = start2 * 8;
  const s3 = start3 * 8;
  const s4 = start4 * 8;
  const entries = table.entries;
  const maxBits = table.maxBits;
  const mask = (1 << maxBits) - 1;
  let o1 = outPos;
  let o2 = outPos + segment;
  let o3 = o2 + segment;
  let o4 = o3 + segment;
  const stop4 = o4 + lastCount;
  while (o4 < stop4) {
    const a1 = p1 - maxBits;
    const a2 = p2 - maxBits;
    const a3 = p3 - maxBits;
    const a4 = p4 - maxBits;
    const e1 = entries[(view.getInt32(a1 >> 3, true) >>> (a1 & 7)) & mask]!;
    const e2 = entries[(view.getInt32(a2 >> 3, true) >>> (a2 & 7)) & mask]!;
    const e3 = entries[(view.getInt32(a3 >> 3, true) >>> (a3 & 7)) & mask]!;
    const e4 = entries[(view.getInt32(a4 >> 3, true) >>> (a4 & 7)) & mask]!;
    out[o1++] = e1 >>> 4;
    out[o2++] = e2 >>> 4;
    out[o3++] = e3 >>> 4;
    out[o4++] = e4 >>> 4;
    p1 -= e1 & 15;
    p2 -= e2 & 15;
    p3 -= e3 & 15;
    p4 -= e4 & 15;
    if (((p1 - s1) | (p2 - s2) | (p3 - s3) | (p4 - s4)) < 0) {
      throw corrupt('zstd Huffman stream ends before its literals', errorBase + start);
    }
  }
  p1 = decodeRun(table, view, p1, s1, out, o1, outPos + segment, errorBase);
  p2 = decodeRun(table, view, p2, s2, out, o2, outPos + 2 * segment, errorBase);
  p3 = decodeRun(table, view, p3, s3, out, o3, outPos + 3 * segment, errorBase);
  if (p1 !== s1) throw streamMismatch(errorBase + start1);
  if (p2 !== s2) throw streamMismatch(errorBase + start2);
  if (p3 !== s3) throw streamMismatch(errorBase + start3);
  if (p4 !== s4) throw streamMismatch(errorBase + start4);
}
