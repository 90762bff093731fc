/**
 * zstd's finite state entropy (FSE) tables (RFC 8878, 4.1): reading a table description (normalized
 * counts) and building the decoding table, plus the predefined tables for literal lengths, match lengths
 * and offsets. A decoding table entry is one int32: `baseline << 12 | bits << 8 | symbol`.
 */
import type { InitkitError } from '@initkit/core';
import { compressError } from '../errors.js';

/** Largest accuracy log of any FSE table zstd uses (sequence tables allow 9, Huffman weights 6). */
export const MAX_ACCURACY_LOG = 9;

export interface FseTable {
  /** The entries; only the first 1 << accuracyLog are used. */
  entries: Int32Array;
  accuracyLog: number;
}

function corrupt(message: string, offset: number): InitkitError {
  return compressError('ZSTD_CORRUPT', message, { offset });
}

/** Index of the highest set bit of a positive integer. */
export function highBit(value: number): number {
  return 31 - Math.clz32(value);
}

/** Scratch for buildFseTable: each symbol's next state number. */
const scratchNext = new Uint16Array(256);

/**
 * Builds the decoding table for `counts[0..symbolCount)` (normalized counts, -1 for "less than one")
 * into `table`. The counts must sum to 1 << accuracyLog (a -1 counts as 1).
 */
export function buildFseTable(
  counts: Int16Array | readonly number[],
  symbolCount: number,
  accuracyLog: number,
  table: FseTable,
  offset: number,
): void {
  const size = 1 << accuracyLog;
  const entries = table.entries;
  const next = scratchNext;
  let high = size - 1;
  // Symbols with a "less than one" probability take the last cells, one each, with a full-width state.
  for (let symbol = 0; symbol < symbolCount; symbol++) {
    const count = counts[symbol]!;
    if (count === -1) {
      entries[high--] = symbol;
      next[symbol] = 1;
    } else {
      next[symbol] = count;
    }
  }
  const step = (size >>> 1) + (size >>> 3) + 3;
  const mask = size - 1;
  let position = 0;
  for (let symbol = 0; symbol < symbolCount; symbol++) {
    const count = counts[symbol]!;
    for (let i = 0; i < count; i++) {
      entries[position] = symbol;
      do position = (position + step) & mask;
      while (position > high);
    }
  }
  if (position !== 0) throw corrupt('zstd FSE table counts do not fill the table', offset);
  for (let state = 0; state < size; state++) {
    const symbol = entries[state]! & 0xff;
    const nextState = next[symbol]!;
    next[symbol] = nextState + 1;
    const bits = accuracyLog - highBit(nextState);
    const baseline = (nextState << bits) - size;
    entries[state] = (baseline << 12) | (bits << 8) | symbol;
  }
  table.accuracyLog = accuracyLog;
}

/** Scratch for readFseTable's counts (no allocation per table). */
const scratchCounts = new Int16Array(256);

/**
 * Reads an FSE table description at `bytes[start..end)` and builds it into `table`; returns the number
 * of bytes the description used. `maxSymbol` and `maxAccuracyLog` are the limits of the table's kind.
 */
export function readFseTable(
  bytes: Uint8Array,
  start: number,
  end: number,
  maxSymbol: number,
  maxAccuracyLog: number,
  table: FseTable,
  errorBase: number,
): number {
  const counts = scratchCounts;
  // A forward little-endian bit reader; bytes past `end` read as zero and are caught by the size check.
  let bitPosition = start * 8;
  const peek = (): number => {
    const at = bitPosition >>> 3;
    let word = 0;
    for (let i = 0; i < 4 && at + i < end; i++) word |= bytes[at + i]! << (8 * i);
    return word >>> (bitPosition & 7);
  };
  if (start >= end) throw corrupt('zstd FSE table description is empty', errorBase + start);
  const accuracyLog = (bytes[start]! & 15) + 5;
  if (accuracyLog > maxAccuracyLog) {
    throw corrupt(`zstd FSE accuracy log ${accuracyLog} is over the limit of ${maxAccuracyLog}`, errorBase + start);
  }
  bitPosition += 4;
  let remaining = (1 << accuracyLog) + 1;
  let threshold = 1 << accuracyLog;
  let bits = accuracyLog + 1;
  let symbol = 0;
  while (remaining > 1) {
    if (symbol > maxSymbol) throw corrupt('zstd FSE table has too many symbols', errorBase + (bitPosition >>> 3));
    const max = 2 * threshold - 1 - remaining;
    const word = peek();
    let value: number;
    if ((word & (threshold - 1)) < max) {
      value = word & (threshold - 1);
      bitPosition += bits - 1;
    } else {
      value = word & (2 * threshold - 1);
      if (value >= threshold) value -= max;
      bitPosition += bits;
    }
    const count = value - 1;
    remaining -= count < 0 ? -count : count;
    counts[symbol++] = count;
    if (count === 0) {
      // Two-bit flags, each giving 0-3 more zero counts; 3 means another flag follows.
      for (;;) {
        const repeat = peek() & 3;
        bitPosition += 2;
        if (symbol + repeat > maxSymbol + 1) {
          throw corrupt('zstd FSE table has too many symbols', errorBase + (bitPosition >>> 3));
        }
        for (let i = 0; i < repeat; i++) counts[symbol++] = 0;
        if (repeat !== 3) break;
      }
    }
    if (remaining < 1) throw corrupt('zstd FSE table counts exceed the table', errorBase + (bitPosition >>> 3));
    while (remaining < threshold) {
      bits--;
      threshold >>>= 1;
    }
  }
  const used = (bitPosition + 7) >>> 3;
  if (remaining !== 1 || used > end) {
    throw corrupt('zstd FSE table description is corrupt or truncated', errorBase + start);
  }
  buildFseTable(counts, symbol, accuracyLog, table, errorBase + start);
  return used - start;
}

/** A table whose every state decodes `symbol` and reads no bits (RLE mode). */
export function rleFseTable(symbol: number, table: FseTable): void {
  table.entries[0] = symbol;
  table.accuracyLog = 0;
}

export function newFseTable(): FseTable {
  return { entries: new Int32Array(1 << MAX_ACCURACY_LOG), accuracyLog: 0 };
}

function predefined(counts: number[], accuracyLog: number): FseTable {
  const table = newFseTable();
  buildFseTable(counts, counts.length, accuracyLog, table, 0);
  return table;
}

// Predefined distributions (RFC 8878, 3.1.1.3.2.2).
// biome-ignore format: a table
const LITERAL_LENGTH_COUNTS = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
// biome-ignore format: a table
const MATCH_LENGTH_COUNTS = [1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1];
// biome-ignore format: a table
const OFFSET_COUNTS = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

let predefinedTables: { literalLength: FseTable; matchLength: FseTable; offset: FseTable } | undefined;

/** The predefined literal length, match length and offset tables (built on first use). */
export function predefinedFseTables(): { literalLength: FseTable; matchLength: FseTable; offset: FseTable } {
  predefinedTables ??= {
    literalLength: predefined(LITERAL_LENGTH_COUNTS, 6),
    matchLength: predefined(MATCH_LENGTH_COUNTS, 6),
    offset: predefined(OFFSET_COUNTS, 5),
  };
  return predefinedTables;
}
