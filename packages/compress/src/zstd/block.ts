/**
 * One zstd compressed block (RFC 8878, 3.1.1.3): the literals section (raw, RLE, or Huffman-coded in one
 * or four streams), the sequences section (FSE-coded literal lengths, offsets and match lengths with
 * predefined, RLE, compressed or repeated tables) and the execution of the sequences into the output.
 * A decoder keeps what carries from block to block within a frame: the repeat offsets, the last
 * Huffman and FSE tables. Buffers are allocated once per decoder; nothing is allocated per sequence.
 */
import type { InitkitError } from '@initkit/core';
import { compressError } from '../errors.js';
import { copyMatch } from '../match-copy.js';
import {
  type FseTable,
  highBit,
  MAX_ACCURACY_LOG,
  newFseTable,
  predefinedFseTables,
  readFseTable,
  rleFseTable,
} from './fse.js';
import {
  decodeHuffmanStream,
  decodeHuffmanStreams4,
  type HuffmanTable,
  newHuffmanTable,
  readHuffmanTable,
} from './huffman.js';

/** The largest block, compressed or decompressed. */
export const ZSTD_MAX_BLOCK_SIZE = 128 * 1024;

/** Room before and after a block copied into the scratch buffer: whole-word bit reads may reach there. */
const PAD = 16;
/** Short copies move eight bytes per step and may write up to this many bytes past their end. */
const WILD = 8;
/** Literal runs at least this long are copied with `set`. */
const LONG_LITERALS = 32;
/** Non-overlapping matches at least this long are copied with `copyWithin` (by copyMatch). */
const LONG_MATCH = 64;

// Literal length and match length codes: baseline value and extra bits (RFC 8878, 3.1.1.3.2.1.1).
// biome-ignore format: a table
const LITERAL_LENGTH_BASE = new Int32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);
// biome-ignore format: a table
const LITERAL_LENGTH_BITS = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
// biome-ignore format: a table
const MATCH_LENGTH_BASE = new Int32Array([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539]);
// biome-ignore format: a table
const MATCH_LENGTH_BITS = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

const MAX_LITERAL_LENGTH_CODE = 35;
const MAX_MATCH_LENGTH_CODE = 52;
const MAX_OFFSET_CODE = 31;
/** Offset codes above this would need offsets past 2 GiB. */
const LARGEST_OFFSET_CODE = 30;

function corrupt(message: string, offset: number): InitkitError {
  return compressError('ZSTD_CORRUPT', message, { offset });
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes the compressed blocks of one frame after another; `reset` at each frame. */
export class ZstdBlockDecoder {
  private readonly scratch = new Uint8Array(PAD + ZSTD_MAX_BLOCK_SIZE + PAD);
  private readonly scratchView = viewOf(this.scratch);
  private readonly literalBuffer = new Uint8Array(ZSTD_MAX_BLOCK_SIZE + 2 * PAD);
  private readonly literalBufferView = viewOf(this.literalBuffer);
  private readonly huffman: HuffmanTable = newHuffmanTable();
  private hasHuffman = false;
  private readonly ownTables = [newFseTable(), newFseTable(), newFseTable()] as const;
  private readonly rleTables: readonly FseTable[] = [
    { entries: new Int32Array(1), accuracyLog: 0 },
    { entries: new Int32Array(1), accuracyLog: 0 },
    { entries: new Int32Array(1), accuracyLog: 0 },
  ];
  /** Current literal length, offset and match length tables (for repeat mode). */
  private readonly tables: (FseTable | undefined)[] = [undefined, undefined, undefined];
  private rep1 = 1;
  private rep2 = 4;
  private rep3 = 8;
  /** The largest decompressed block of the current frame: min(window, 128 KiB). */
  blockMaxSize = ZSTD_MAX_BLOCK_SIZE;

  /** Starts a frame whose window is `windowSize` bytes. */
  reset(windowSize: number): void {
    this.rep1 = 1;
    this.rep2 = 4;
    this.rep3 = 8;
    this.hasHuffman = false;
    this.tables[0] = this.tables[1] = this.tables[2] = undefined;
    this.blockMaxSize = Math.min(windowSize, ZSTD_MAX_BLOCK_SIZE);
  }

  /**
   * Decodes the compressed block `input[start..end)` into `out` at `outPos`; matches may reach back to
   * `historyStart`. Returns the new output position. `errorBase` is the block's offset in the whole input.
   * Bytes of `out` past the returned position may be overwritten.
   */
  decodeBlock(
    input: Uint8Array,
    start: number,
    end: number,
    out: Uint8Array,
    outPos: number,
    historyStart: number,
    errorBase: number,
  ): number {
    const size = end - start;
    if (size > ZSTD_MAX_BLOCK_SIZE) throw corrupt(`zstd block of ${size} bytes is too large`, errorBase);
    const bytes = this.scratch;
    bytes.set(input.subarray(start, end), PAD);
    // Error offsets: scratch index i is input offset base + i.
    const base = errorBase - PAD;
    const blockEnd = PAD + size;
    const blockMax = this.blockMaxSize;

    // Literals section.
    let at = PAD;
    if (at >= blockEnd) throw corrupt('zstd block is empty', errorBase);
    const b0 = bytes[at]!;
    const literalsType = b0 & 3;
    const sizeFormat = (b0 >>> 2) & 3;
    let literals: Uint8Array;
    let literalsView: DataView;
    let literalStart: number;
    let literalCount: number;
    if (literalsType <= 1) {
      let headerSize: number;
      if ((sizeFormat & 1) === 0) {
        literalCount = b0 >>> 3;
        headerSize = 1;
      } else if (sizeFormat === 1) {
        literalCount = (b0 >>> 4) | (bytes[at + 1]! << 4);
        headerSize = 2;
      } else {
        literalCount = (b0 >>> 4) | (bytes[at + 1]! << 4) | (bytes[at + 2]! << 12);
        headerSize = 3;
      }
      if (literalCount > blockMax) throw corrupt(`zstd block has ${literalCount} literals`, base + at);
      at += headerSize;
      if (literalsType === 0) {
        if (at + literalCount > blockEnd) throw corrupt('zstd raw literals run past the block', base + at);
        literals = bytes;
        literalsView = this.scratchView;
        literalStart = at;
        at += literalCount;
      } else {
        if (at >= blockEnd) throw corrupt('zstd RLE literals run past the block', base + at);
        literals = this.literalBuffer;
        literalsView = this.literalBufferView;
        literalStart = 0;
        literals.fill(bytes[at]!, 0, literalCount);
        at += 1;
      }
    } else {
      let headerSize: number;
      let compressedSize: number;
      const h = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
      if (sizeFormat <= 1) {
        headerSize = 3;
        literalCount = (h >>> 4) & 0x3ff;
        compressedSize = (h >>> 14) & 0x3ff;
      } else if (sizeFormat === 2) {
        headerSize = 4;
        const h32 = (h | (bytes[at + 3]! << 24)) >>> 0;
        literalCount = (h32 >>> 4) & 0x3fff;
        compressedSize = h32 >>> 18;
      } else {
        headerSize = 5;
        const h32 = (h | (bytes[at + 3]! << 24)) >>> 0;
        literalCount = (h32 >>> 4) & 0x3ffff;
        compressedSize = (h32 >>> 22) | (bytes[at + 4]! << 10);
      }
      if (literalCount > blockMax) throw corrupt(`zstd block has ${literalCount} literals`, base + at);
      const streamsEnd = at + headerSize + compressedSize;
      if (streamsEnd > blockEnd) throw corrupt('zstd compressed literals run past the block', base + at);
      let streams = at + headerSize;
      if (literalsType === 2) {
        streams += readHuffmanTable(bytes, streams, streamsEnd, this.huffman, base);
        this.hasHuffman = true;
      } else if (!this.hasHuffman) {
        throw corrupt('zstd treeless literals without an earlier Huffman table', base + at);
      }
      literals = this.literalBuffer;
      literalsView = this.literalBufferView;
      literalStart = 0;
      if (sizeFormat === 0) {
        decodeHuffmanStream(
          this.huffman,
          bytes,
          this.scratchView,
          streams,
          streamsEnd,
          literals,
          0,
          literalCount,
          base,
        );
      } else {
        decodeHuffmanStreams4(
          this.huffman,
          bytes,
          this.scratchView,
          streams,
          streamsEnd,
          literals,
          0,
          literalCount,
          base,
        );
      }
      at = streamsEnd;
    }

    // Sequences section header.
    if (at >= blockEnd) throw corrupt('zstd block has no sequences section', base + at);
    const s0 = bytes[at++]!;
    let sequenceCount: number;
    if (s0 < 128) sequenceCount = s0;
    else if (s0 < 255) sequenceCount = ((s0 - 128) << 8) + bytes[at++]!;
    else {
      sequenceCount = bytes[at]! + (bytes[at + 1]! << 8) + 0x7f00;
      at += 2;
    }
    let op = outPos;
    const outLimit = Math.min(out.length, outPos + blockMax);
    // Module constants as locals for the hot loop: the bundler turns top-level consts into vars, which
    // V8 cannot treat as constants (that cost the XXH64 loop a factor of three); locals it can.
    const wild = WILD;
    const longLiterals = LONG_LITERALS;
    const longMatch = LONG_MATCH;
    const matchLengthBase = MATCH_LENGTH_BASE;
    const matchLengthBits = MATCH_LENGTH_BITS;
    const literalLengthBase = LITERAL_LENGTH_BASE;
    const literalLengthBits = LITERAL_LENGTH_BITS;
    const outWild = out.length - wild;
    let lp = literalStart;
    const literalEnd = literalStart + literalCount;

    if (sequenceCount > 0) {
      const modes = bytes[at++]!;
      if (at > blockEnd) throw corrupt('zstd sequences header runs past the block', base + at);
      if ((modes & 3) !== 0) throw corrupt('zstd sequences header sets reserved bits', base + at - 1);
      at = this.selectTable(0, modes >>> 6, bytes, at, blockEnd, base);
      at = this.selectTable(1, (modes >>> 4) & 3, bytes, at, blockEnd, base);
      at = this.selectTable(2, (modes >>> 2) & 3, bytes, at, blockEnd, base);
      if (at >= blockEnd || bytes[blockEnd - 1] === 0) {
        throw corrupt('zstd sequence bit stream is empty or has no end mark', base + at);
      }
      const view = this.scratchView;
      const startBit = at * 8;
      let pos = (blockEnd - 1) * 8 + highBit(bytes[blockEnd - 1]!);
      const llTable = this.tables[0]!;
      const ofTable = this.tables[1]!;
      const mlTable = this.tables[2]!;
      const llEntries = llTable.entries;
      const ofEntries = ofTable.entries;
      const mlEntries = mlTable.entries;
      // Initial states: literal length, offset, match length.
      let n = llTable.accuracyLog;
      pos -= n;
      let llState = (view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << n) - 1);
      n = ofTable.accuracyLog;
      pos -= n;
      let ofState = (view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << n) - 1);
      n = mlTable.accuracyLog;
      pos -= n;
      let mlState = (view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << n) - 1);
      if (pos < startBit) throw corrupt('zstd sequence bit stream is too short', base + at);
      let rep1 = this.rep1;
      let rep2 = this.rep2;
      let rep3 = this.rep3;
      const outView = viewOf(out);
      for (let remaining = sequenceCount; remaining > 0; remaining--) {
        const llEntry = llEntries[llState]!;
        const ofEntry = ofEntries[ofState]!;
        const mlEntry = mlEntries[mlState]!;
        // Offset, match length and literal length extra bits, in that order.
        const ofCode = ofEntry & 0xff;
        let offsetValue: number;
        if (ofCode <= 25) {
          pos -= ofCode;
          offsetValue = (1 << ofCode) + ((view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << ofCode) - 1));
        } else {
          if (ofCode > LARGEST_OFFSET_CODE) throw corrupt(`zstd offset code ${ofCode} is too large`, base + at);
          const highBits = ofCode - 16;
          pos -= highBits;
          const high = (view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << highBits) - 1);
          pos -= 16;
          const low = (view.getInt32(pos >> 3, true) >>> (pos & 7)) & 0xffff;
          offsetValue = (1 << ofCode) + high * 65536 + low;
        }
        const mlCode = mlEntry & 0xff;
        n = matchLengthBits[mlCode]!;
        pos -= n;
        const matchLength = matchLengthBase[mlCode]! + ((view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << n) - 1));
        const llCode = llEntry & 0xff;
        n = literalLengthBits[llCode]!;
        pos -= n;
        const literalLength =
          literalLengthBase[llCode]! + ((view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << n) - 1));
        if (remaining > 1) {
          // State updates: literal length, match length, offset.
          n = (llEntry >>> 8) & 15;
          pos -= n;
          llState = (llEntry >>> 12) + ((view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << n) - 1));
          n = (mlEntry >>> 8) & 15;
          pos -= n;
          mlState = (mlEntry >>> 12) + ((view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << n) - 1));
          n = (ofEntry >>> 8) & 15;
          pos -= n;
          ofState = (ofEntry >>> 12) + ((view.getInt32(pos >> 3, true) >>> (pos & 7)) & ((1 << n) - 1));
        }
        if (pos < startBit) throw corrupt('zstd sequence bit stream ends early', base + at);

        let offset: number;
        if (offsetValue > 3) {
          offset = offsetValue - 3;
          rep3 = rep2;
          rep2 = rep1;
          rep1 = offset;
        } else {
          // Repeat offsets; with no literals before the match, the codes shift by one.
          const index = literalLength === 0 ? offsetValue : offsetValue - 1;
          if (index === 0) offset = rep1;
          else {
            if (index === 1) offset = rep2;
            else {
              offset = index === 2 ? rep3 : rep1 - 1;
              rep3 = rep2;
            }
            rep2 = rep1;
            rep1 = offset;
          }
        }

        // Literals.
        if (literalLength > 0) {
          const stop = lp + literalLength;
          if (stop > literalEnd) throw corrupt('zstd sequences use more literals than the block has', base + at);
          if (op + literalLength > outLimit) throw corrupt('zstd block decodes past its size limit', base + at);
          if (literalLength < longLiterals && op + literalLength <= outWild) {
            let o = op;
            op += literalLength;
            do {
              outView.setInt32(o, literalsView.getInt32(lp, true), true);
              outView.setInt32(o + 4, literalsView.getInt32(lp + 4, true), true);
              o += 8;
              lp += 8;
            } while (o < op);
          } else {
            out.set(literals.subarray(lp, stop), op);
            op += literalLength;
          }
          lp = stop;
        }
        // Match.
        if (offset > op - historyStart || offset <= 0) {
          throw corrupt(`zstd match offset ${offset} reaches before the start of the data`, base + at);
        }
        if (op + matchLength > outLimit) throw corrupt('zstd block decodes past its size limit', base + at);
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
      if (pos !== startBit) throw corrupt('zstd sequence bit stream has bits left over', base + at);
      this.rep1 = rep1;
      this.rep2 = rep2;
      this.rep3 = rep3;
    } else if (at !== blockEnd) {
      throw corrupt('zstd block has bytes after an empty sequences section', base + at);
    }

    // The literals after the last sequence.
    const rest = literalEnd - lp;
    if (rest > 0) {
      if (op + rest > outLimit) throw corrupt('zstd block decodes past its size limit', base + at);
      out.set(literals.subarray(lp, literalEnd), op);
      op += rest;
    }
    return op;
  }

  /** Sets table `kind` (0 literal length, 1 offset, 2 match length) for `mode`; returns the new position. */
  private selectTable(kind: number, mode: number, bytes: Uint8Array, at: number, end: number, base: number): number {
    const maxSymbol = kind === 0 ? MAX_LITERAL_LENGTH_CODE : kind === 1 ? MAX_OFFSET_CODE : MAX_MATCH_LENGTH_CODE;
    if (mode === 0) {
      const predefined = predefinedFseTables();
      this.tables[kind] =
        kind === 0 ? predefined.literalLength : kind === 1 ? predefined.offset : predefined.matchLength;
      return at;
    }
    if (mode === 1) {
      if (at >= end) throw corrupt('zstd RLE table symbol runs past the block', base + at);
      const symbol = bytes[at]!;
      if (symbol > maxSymbol) throw corrupt(`zstd RLE table symbol ${symbol} is out of range`, base + at);
      const table = this.rleTables[kind]!;
      rleFseTable(symbol, table);
      this.tables[kind] = table;
      return at + 1;
    }
    if (mode === 2) {
      const table = this.ownTables[kind]!;
      const maxAccuracy = kind === 1 ? MAX_ACCURACY_LOG - 1 : MAX_ACCURACY_LOG;
      const used = readFseTable(bytes, at, end, maxSymbol, maxAccuracy, table, base);
      this.tables[kind] = table;
      return at + used;
    }
    if (!this.tables[kind]) throw corrupt('zstd repeat table mode without an earlier table', base + at);
    return at;
  }
}
