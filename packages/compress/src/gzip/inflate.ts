/**
 * DEFLATE decoding (RFC 1951) that knows exactly where its stream ends, so a gzip member's trailer and
 * whatever follows it can be found. The state is kept between calls: a streaming caller decodes what
 * has arrived (keeping a margin for the longest symbol) and resumes when more comes.
 */
import type { InitkitError } from '@initkit/core';
import { compressError } from '../errors.js';

/** Where inflate writes: `bytes[pos]` is next; makeRoom keeps the last 32 KiB of history. */
export interface InflateOutput {
  bytes: Uint8Array;
  pos: number;
  /** Makes at least `room` bytes writable after `pos` (grows, or drains and slides the window). */
  makeRoom(room: number): void;
  /** True when the consumer wants the decoder to stop at the next block boundary (streaming backpressure). */
  readonly paused?: boolean;
}

const LENGTH_BASE = new Uint16Array([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
]);
const LENGTH_EXTRA = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]);
const DIST_BASE = new Uint16Array([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
]);
const DIST_EXTRA = new Uint8Array([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Most bits one literal/length + distance symbol can take, plus the 3-byte read-ahead, in bits. */
const SYMBOL_MARGIN_BITS = 96;
/** A dynamic block header fits in this many bytes. */
const HEADER_MARGIN_BYTES = 640;

/**
 * Fills `table` (indexed by the next `maxLength` input bits, LSB first) with (symbol << 4) | length.
 * Returns maxLength, or throws on an over-subscribed code. Unused entries of an incomplete code hold 0.
 */
function buildTable(lengths: Uint8Array, count: number, table: Uint16Array, offset: number): number {
  const lengthCount = new Uint16Array(16);
  let maxLength = 0;
  for (let i = 0; i < count; i++) {
    const length = lengths[i]!;
    lengthCount[length]!++;
    if (length > maxLength) maxLength = length;
  }
  lengthCount[0] = 0;
  const nextCode = new Uint16Array(16);
  let left = 1;
  let code = 0;
  for (let length = 1; length <= 15; length++) {
    left = (left << 1) - lengthCount[length]!;
    if (left < 0) throw compressError('GZIP_CORRUPT', 'over-subscribed Huffman code', { offset });
    code = (code + lengthCount[length - 1]!) << 1;
    nextCode[length] = code;
  }
  if (maxLength === 0) maxLength = 1;
  const size = 1 << maxLength;
  if (left > 0) table.fill(0, 0, size);
  for (let symbol = 0; symbol < count; symbol++) {
    const length = lengths[symbol]!;
    if (length === 0) continue;
    let value = nextCode[length]!++;
    let reversed = 0;
    for (let b = 0; b < length; b++) {
      reversed = (reversed << 1) | (value & 1);
      value >>>= 1;
    }
    const entry = (symbol << 4) | length;
    for (let k = reversed; k < size; k += 1 << length) table[k] = entry;
  }
  return maxLength;
}

let fixedTables: { literal: Uint16Array; literalBits: number; distance: Uint16Array; distanceBits: number } | undefined;

function getFixedTables() {
  if (!fixedTables) {
    const lengths = new Uint8Array(288);
    lengths.fill(8, 0, 144);
    lengths.fill(9, 144, 256);
    lengths.fill(7, 256, 280);
    lengths.fill(8, 280, 288);
    const literal = new Uint16Array(1 << 15);
    const literalBits = buildTable(lengths, 288, literal, 0);
    const distance = new Uint16Array(1 << 15);
    const distanceBits = buildTable(new Uint8Array(30).fill(5), 30, distance, 0);
    fixedTables = { literal, literalBits, distance, distanceBits };
  }
  return fixedTables;
}

/** Where the decoder is between calls. */
const Phase = { BlockHeader: 0, Stored: 1, Huffman: 2, Done: 3 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

export class Inflater {
  private phase: Phase = Phase.BlockHeader;
  private finalBlock = false;
  private storedLeft = 0;
  private literal = new Uint16Array(1 << 15);
  private distance = new Uint16Array(1 << 15);
  private literalMask = 0;
  private distanceMask = 0;
  private activeLiteral: Uint16Array = this.literal;
  private activeDistance: Uint16Array = this.distance;
  /** Bit position within `input[bytePos]` where decoding resumes (0-7). */
  bitOffset = 0;
  /** Bytes written since the start of this stream (how far back a distance may reach). */
  history = 0;

  get done(): boolean {
    return this.phase === Phase.Done;
  }

  /**
   * Decodes from `input[position]` (bit `bitOffset`) with `end` valid bytes; `final` says no more input
   * will come. Returns the new byte position (the partial byte is remembered in bitOffset). Stops when
   * the stream ends or, unless final, when too little input is left to be sure of the next symbol.
   * `baseOffset` is the absolute offset of input[0], for error messages.
   */
  run(
    input: Uint8Array,
    position: number,
    end: number,
    final: boolean,
    out: InflateOutput,
    baseOffset: number,
  ): number {
    let bitPos = position * 8 + this.bitOffset;
    const endBits = end * 8;
    const safeBits = final ? endBits : endBits - SYMBOL_MARGIN_BITS;
    while (this.phase !== Phase.Done) {
      if (this.phase === Phase.BlockHeader) {
        if (!final && bitPos + HEADER_MARGIN_BYTES * 8 > endBits) break;
        if (bitPos + 3 > endBits) throw truncated(baseOffset + (bitPos >>> 3));
        const header = readBits(input, bitPos, 3);
        bitPos += 3;
        this.finalBlock = (header & 1) === 1;
        const type = header >>> 1;
        if (type === 0) {
          bitPos = (bitPos + 7) & ~7;
          const at = bitPos >>> 3;
          if (at + 4 > end) throw truncated(baseOffset + at);
          const length = input[at]! | (input[at + 1]! << 8);
          const complement = input[at + 2]! | (input[at + 3]! << 8);
          if ((length ^ 0xffff) !== complement) {
            throw compressError('GZIP_CORRUPT', 'stored block length check failed', { offset: baseOffset + at });
          }
          bitPos += 32;
          this.storedLeft = length;
          this.phase = Phase.Stored;
        } else if (type === 1) {
          const fixed = getFixedTables();
          this.activeLiteral = fixed.literal;
          this.activeDistance = fixed.distance;
          this.literalMask = (1 << fixed.literalBits) - 1;
          this.distanceMask = (1 << fixed.distanceBits) - 1;
          this.phase = Phase.Huffman;
        } else if (type === 2) {
          bitPos = this.readDynamicHeader(input, bitPos, endBits, baseOffset);
          this.phase = Phase.Huffman;
        } else {
          throw compressError('GZIP_CORRUPT', 'invalid deflate block type 3', {
            offset: baseOffset + (bitPos >>> 3),
          });
        }
      } else if (this.phase === Phase.Stored) {
        const at = bitPos >>> 3;
        const available = end - at;
        const count = Math.min(this.storedLeft, available);
        if (count > 0) {
          if (out.pos + count > out.bytes.length) out.makeRoom(count);
          out.bytes.set(input.subarray(at, at + count), out.pos);
          out.pos += count;
          this.history += count;
          this.storedLeft -= count;
          bitPos += count * 8;
        }
        if (this.storedLeft > 0) {
          if (final) throw truncated(baseOffset + end);
          break;
        }
        this.phase = this.finalBlock ? Phase.Done : Phase.BlockHeader;
        if (out.paused) break;
      } else {
        bitPos = this.decodeHuffman(input, bitPos, safeBits, out, baseOffset);
        if (this.phase === Phase.Huffman) {
          if (bitPos > safeBits) break;
        } else if (out.paused) break;
      }
    }
    if (bitPos > endBits) throw truncated(baseOffset + end);
    this.bitOffset = bitPos & 7;
    return bitPos >>> 3;
  }

  /** Bytes used so far by a finished stream, counting its last partial byte. */
  static endPosition(position: number, bitOffset: number): number {
    return position + (bitOffset > 0 ? 1 : 0);
  }

  private readDynamicHeader(input: Uint8Array, start: number, endBits: number, baseOffset: number): number {
    let bitPos = start;
    const literalCount = readBits(input, bitPos, 5) + 257;
    const distanceCount = readBits(input, bitPos + 5, 5) + 1;
    const codeLengthCount = readBits(input, bitPos + 10, 4) + 4;
    bitPos += 14;
    if (literalCount > 286 || distanceCount > 30) {
      throw compressError('GZIP_CORRUPT', 'too many literal/length or distance codes', {
        offset: baseOffset + (start >>> 3),
      });
    }
    const codeLengthLengths = new Uint8Array(19);
    for (let i = 0; i < codeLengthCount; i++) {
      codeLengthLengths[CODE_LENGTH_ORDER[i]!] = readBits(input, bitPos, 3);
      bitPos += 3;
    }
    const codeLengthTable = new Uint16Array(1 << 7);
    const codeLengthBits = buildTable(codeLengthLengths, 19, codeLengthTable, baseOffset + (start >>> 3));
    const codeLengthMask = (1 << codeLengthBits) - 1;
    const lengths = new Uint8Array(literalCount + distanceCount);
    for (let i = 0; i < lengths.length; ) {
      if (bitPos > endBits) throw truncated(baseOffset + (endBits >>> 3));
      const entry = codeLengthTable[readBits(input, bitPos, 15) & codeLengthMask]!;
      const length = entry & 15;
      if (length === 0)
        throw compressError('GZIP_CORRUPT', 'invalid code length code', { offset: baseOffset + (bitPos >>> 3) });
      bitPos += length;
      const symbol = entry >>> 4;
      if (symbol < 16) {
        lengths[i++] = symbol;
        continue;
      }
      let repeat: number;
      let value = 0;
      if (symbol === 16) {
        if (i === 0)
          throw compressError('GZIP_CORRUPT', 'repeat with no previous length', {
            offset: baseOffset + (bitPos >>> 3),
          });
        value = lengths[i - 1]!;
        repeat = 3 + readBits(input, bitPos, 2);
        bitPos += 2;
      } else if (symbol === 17) {
        repeat = 3 + readBits(input, bitPos, 3);
        bitPos += 3;
      } else {
        repeat = 11 + readBits(input, bitPos, 7);
        bitPos += 7;
      }
      if (i + repeat > lengths.length) {
        throw compressError('GZIP_CORRUPT', 'code lengths overflow', { offset: baseOffset + (bitPos >>> 3) });
      }
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[256] === 0) {
      throw compressError('GZIP_CORRUPT', 'block has no end-of-block code', { offset: baseOffset + (start >>> 3) });
    }
    const offset = baseOffset + (start >>> 3);
    this.literalMask = (1 << buildTable(lengths, literalCount, this.literal, offset)) - 1;
    this.distanceMask = (1 << buildTable(lengths.subarray(literalCount), distanceCount, this.distance, offset)) - 1;
    this.activeLiteral = this.literal;
    this.activeDistance = this.distance;
    return bitPos;
  }

  private decodeHuffman(
    input: Uint8Array,
    start: number,
    safeBits: number,
    out: InflateOutput,
    baseOffset: number,
  ): number {
    const literal = this.activeLiteral;
    const distance = this.activeDistance;
    const literalMask = this.literalMask;
    const distanceMask = this.distanceMask;
    let bitPos = start;
    let bytes = out.bytes;
    let pos = out.pos;
    let limit = bytes.length - 258;
    let historyBase = pos - this.history;
    for (;;) {
      if (bitPos > safeBits) break;
      if (pos > limit) {
        this.history = pos - historyBase;
        out.pos = pos;
        out.makeRoom(258);
        bytes = out.bytes;
        pos = out.pos;
        limit = bytes.length - 258;
        historyBase = pos - this.history;
      }
      let at = bitPos >>> 3;
      let bits = (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16)) >>> (bitPos & 7);
      const entry = literal[bits & literalMask]!;
      const codeLength = entry & 15;
      if (codeLength === 0) throw invalidCode(baseOffset + at);
      bitPos += codeLength;
      let symbol = entry >>> 4;
      if (symbol < 256) {
        bytes[pos++] = symbol;
        continue;
      }
      if (symbol === 256) {
        this.phase = this.finalBlock ? Phase.Done : Phase.BlockHeader;
        break;
      }
      symbol -= 257;
      if (symbol >= 29) throw invalidCode(baseOffset + at);
      let length = LENGTH_BASE[symbol]!;
      const lengthExtra = LENGTH_EXTRA[symbol]!;
      if (lengthExtra > 0) {
        at = bitPos >>> 3;
        bits = (input[at]! | (input[at + 1]! << 8)) >>> (bitPos & 7);
        length += bits & ((1 << lengthExtra) - 1);
        bitPos += lengthExtra;
      }
      at = bitPos >>> 3;
      bits = (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16)) >>> (bitPos & 7);
      const distanceEntry = distance[bits & distanceMask]!;
      const distanceLength = distanceEntry & 15;
      const distanceSymbol = distanceEntry >>> 4;
      if (distanceLength === 0 || distanceSymbol >= 30) throw invalidCode(baseOffset + at);
      bitPos += distanceLength;
      let dist = DIST_BASE[distanceSymbol]!;
      const distanceExtra = DIST_EXTRA[distanceSymbol]!;
      if (distanceExtra > 0) {
        at = bitPos >>> 3;
        bits = (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16)) >>> (bitPos & 7);
        dist += bits & ((1 << distanceExtra) - 1);
        bitPos += distanceExtra;
      }
      if (dist > pos - historyBase) {
        throw compressError('GZIP_CORRUPT', `distance ${dist} reaches before the start of the data`, {
          offset: baseOffset + (bitPos >>> 3),
        });
      }
      let src = pos - dist;
      const end = pos + length;
      if (dist >= length && length > 32) {
        bytes.copyWithin(pos, src, src + length);
        pos = end;
      } else {
        while (pos < end) bytes[pos++] = bytes[src++]!;
      }
    }
    this.history = pos - historyBase;
    out.pos = pos;
    return bitPos;
  }
}

function readBits(input: Uint8Array, bitPos: number, count: number): number {
  const at = bitPos >>> 3;
  const bits = (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16)) >>> (bitPos & 7);
  return bits & ((1 << count) - 1);
}

function truncated(offset: number): InitkitError {
  return compressError('GZIP_TRUNCATED', 'deflate data ends early', { offset });
}

function invalidCode(offset: number): InitkitError {
  return compressError('GZIP_CORRUPT', 'invalid Huffman code in deflate data', { offset });
}
