/**
 * The .xz container: streams (header, blocks, index, footer) separated by stream padding, each block an
 * LZMA2 payload behind up to three BCJ/delta filters, checked with CRC32, CRC64 or SHA-256. Written as
 * a generator over an InputQueue so the same code decodes a whole buffer or a stream as it arrives.
 */

import { crc32, crc64 } from '@initkit/core';
import { sha256 } from '@noble/hashes/sha2';
import { compressError } from '../errors.js';
import { differsFromMagic, type InputQueue, need, peekAvailable } from '../input-queue.js';
import { checkOutput, type OutputBuffer, type OutputLimits } from '../limits.js';
import { type BranchFilter, createBranchFilter, FILTER_LZMA2 } from './bcj.js';
import { LzmaDecoder } from './lzma-decoder.js';
import { Lzma2Decoder, lzma2DictionarySize } from './lzma2.js';
import { CircularWindow, circularWindowSize, LinearWindow } from './window.js';

export const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FOOTER_MAGIC_0 = 0x59; // 'Y'
const FOOTER_MAGIC_1 = 0x5a; // 'Z'

const CHECK_NONE = 0;
const CHECK_CRC32 = 1;
const CHECK_CRC64 = 4;
const CHECK_SHA256 = 10;

/** Size of the check field for each of the 16 check ids. */
function checkSize(checkType: number): number {
  if (checkType === 0) return 0;
  return 4 << Math.floor((checkType - 1) / 3);
}

/** Receives each block's uncompressed bytes; the one-shot and streaming modes differ only here. */
export interface XzBlockSink {
  /** Starts a block: returns the LZMA2 decoder to use. */
  begin(dictionarySize: number, filters: BranchFilter[], checkType: number): Lzma2Decoder;
  /** Runs after every LZMA2 chunk. */
  chunk(): void;
  /** Ends a block; returns its uncompressed size and the check value computed over it. */
  end(): { size: number; check: Uint8Array };
}

/** Decodes every xz stream at the queue's position (with stream padding between them). */
export function* readXzStreams(queue: InputQueue, sink: XzBlockSink): Generator<void, void, void> {
  yield* eachXzStream(queue, () => decodeStream(queue, sink));
}

/**
 * Runs `decodeOne` for the xz stream at the queue's position and for each further one after zero
 * padding (the extent every xz decoder here shares: this package's and liblzma's).
 */
export function* eachXzStream(
  queue: InputQueue,
  decodeOne: () => Generator<void, void, void>,
): Generator<void, void, void> {
  yield* decodeOne();
  // Further streams may follow after zero padding in 4-byte groups; anything else ends the xz data.
  for (;;) {
    let zeros = 0;
    while ((yield* peekAvailable(queue, zeros + 1)) && queue.bytes[queue.position + zeros] === 0) zeros++;
    const more = yield* peekAvailable(queue, zeros + XZ_MAGIC.length);
    if (zeros % 4 !== 0) return;
    if (!more) {
      queue.position += zeros;
      return;
    }
    for (let i = 0; i < XZ_MAGIC.length; i++) if (queue.bytes[queue.position + zeros + i] !== XZ_MAGIC[i]) return;
    queue.position += zeros;
    yield* decodeOne();
  }
}

function* decodeStream(queue: InputQueue, sink: XzBlockSink): Generator<void, void, void> {
  if (differsFromMagic(queue.bytes, queue.position, queue.end, XZ_MAGIC)) {
    throw compressError('XZ_BAD_MAGIC', 'not an xz stream', { offset: queue.offset });
  }
  yield* need(queue, 12, 'xz stream header');
  const headerOffset = queue.offset;
  const header = queue.take(12);
  for (let i = 0; i < 6; i++) {
    if (header[i] !== XZ_MAGIC[i]) throw compressError('XZ_BAD_MAGIC', 'not an xz stream', { offset: headerOffset });
  }
  const flags = header.slice(6, 8);
  if (crc32(flags) !== readU32le(header, 8)) {
    throw compressError('XZ_BAD_CHECKSUM', 'xz stream header CRC32 mismatch', { offset: headerOffset + 8 });
  }
  if (flags[0] !== 0 || (flags[1]! & 0xf0) !== 0) {
    throw compressError('XZ_UNSUPPORTED', 'xz stream flags use reserved bits', { offset: headerOffset + 6 });
  }
  const checkType = flags[1]! & 0x0f;
  if (
    checkType !== CHECK_NONE &&
    checkType !== CHECK_CRC32 &&
    checkType !== CHECK_CRC64 &&
    checkType !== CHECK_SHA256
  ) {
    throw compressError('XZ_UNSUPPORTED', `xz check type ${checkType} is not supported`, {
      offset: headerOffset + 7,
    });
  }
  const checkLength = checkSize(checkType);
  const records: Array<{ unpadded: number; uncompressed: number }> = [];

  for (;;) {
    yield* need(queue, 1, 'xz block header');
    const blockOffset = queue.offset;
    const sizeByte = queue.bytes[queue.position]!;
    if (sizeByte === 0) break; // index indicator
    const headerSize = (sizeByte + 1) * 4;
    yield* need(queue, headerSize, 'xz block header');
    const blockHeader = queue.take(headerSize);
    const { filters, dictionarySize, compressedSize, uncompressedSize } = parseBlockHeader(blockHeader, blockOffset);
    const lzma2 = sink.begin(dictionarySize, filters, checkType);
    const dataStart = queue.offset;
    yield* lzma2.decode(queue, () => sink.chunk());
    const compressed = queue.offset - dataStart;
    const { size, check } = sink.end();
    if (compressedSize !== undefined && compressedSize !== compressed) {
      throw compressError(
        'XZ_CORRUPT',
        `block compressed size ${compressed} differs from its header (${compressedSize})`,
        {
          offset: blockOffset,
        },
      );
    }
    if (uncompressedSize !== undefined && uncompressedSize !== size) {
      throw compressError('XZ_CORRUPT', `block size ${size} differs from its header (${uncompressedSize})`, {
        offset: blockOffset,
      });
    }
    const padding = (4 - (compressed % 4)) % 4;
    yield* need(queue, padding + checkLength, 'xz block padding and check');
    for (let i = 0; i < padding; i++) {
      if (queue.u8() !== 0) {
        throw compressError('XZ_CORRUPT', 'non-zero block padding', { offset: queue.offset - 1 });
      }
    }
    const checkOffset = queue.offset;
    const stored = queue.take(checkLength);
    for (let i = 0; i < checkLength; i++) {
      if (stored[i] !== check[i]) {
        throw compressError('XZ_BAD_CHECKSUM', `xz block ${checkName(checkType)} mismatch: the data is corrupt`, {
          offset: checkOffset,
        });
      }
    }
    records.push({ unpadded: headerSize + compressed + checkLength, uncompressed: size });
  }

  // Index: must list exactly the blocks just decoded.
  const indexSize = yield* readIndex(queue, records);
  yield* need(queue, 12, 'xz stream footer');
  const footerOffset = queue.offset;
  const footer = queue.take(12);
  if (footer[10] !== FOOTER_MAGIC_0 || footer[11] !== FOOTER_MAGIC_1) {
    throw compressError('XZ_CORRUPT', 'xz stream footer magic "YZ" missing', { offset: footerOffset + 10 });
  }
  if (crc32(footer.subarray(4, 10)) !== readU32le(footer, 0)) {
    throw compressError('XZ_BAD_CHECKSUM', 'xz stream footer CRC32 mismatch', { offset: footerOffset });
  }
  if ((readU32le(footer, 4) + 1) * 4 !== indexSize) {
    throw compressError('XZ_CORRUPT', `footer backward size does not match the index (${indexSize} bytes)`, {
      offset: footerOffset + 4,
    });
  }
  if (footer[8] !== flags[0] || footer[9] !== flags[1]) {
    throw compressError('XZ_CORRUPT', 'stream footer flags differ from the header', { offset: footerOffset + 8 });
  }
}

function* readIndex(
  queue: InputQueue,
  records: Array<{ unpadded: number; uncompressed: number }>,
): Generator<void, number, void> {
  const start = queue.position;
  const startOffset = queue.offset;
  yield* need(queue, 1, 'xz index');
  queue.position++;
  const count = yield* readVli(queue, 'xz index record count');
  if (count !== records.length) {
    throw compressError('XZ_CORRUPT', `index lists ${count} blocks, the stream has ${records.length}`, {
      offset: startOffset,
    });
  }
  for (const record of records) {
    const unpadded = yield* readVli(queue, 'xz index record');
    const uncompressed = yield* readVli(queue, 'xz index record');
    if (unpadded !== record.unpadded || uncompressed !== record.uncompressed) {
      throw compressError('XZ_CORRUPT', 'index record does not match the block', { offset: queue.offset });
    }
  }
  const padding = (4 - ((queue.position - start) % 4)) % 4;
  yield* need(queue, padding + 4, 'xz index padding and CRC32');
  for (let i = 0; i < padding; i++) {
    if (queue.u8() !== 0) throw compressError('XZ_CORRUPT', 'non-zero index padding', { offset: queue.offset - 1 });
  }
  const computed = crc32(queue.bytes.subarray(start, queue.position));
  const crcOffset = queue.offset;
  if (queue.u32le() !== computed) {
    throw compressError('XZ_BAD_CHECKSUM', 'xz index CRC32 mismatch', { offset: crcOffset });
  }
  return queue.position - start;
}

function* readVli(queue: InputQueue, what: string): Generator<void, number, void> {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    yield* need(queue, 1, what);
    const byte = queue.u8();
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0)
        throw compressError('XZ_CORRUPT', `${what}: non-minimal integer`, { offset: queue.offset - 1 });
      if (value > Number.MAX_SAFE_INTEGER)
        throw compressError('XZ_CORRUPT', `${what}: too large`, { offset: queue.offset - 1 });
      return value;
    }
  }
  throw compressError('XZ_CORRUPT', `${what}: integer longer than 9 bytes`, { offset: queue.offset });
}

interface BlockHeader {
  filters: BranchFilter[];
  dictionarySize: number;
  compressedSize: number | undefined;
  uncompressedSize: number | undefined;
}

function parseBlockHeader(header: Uint8Array, offset: number): BlockHeader {
  const size = header.length;
  if (crc32(header.subarray(0, size - 4)) !== readU32le(header, size - 4)) {
    throw compressError('XZ_BAD_CHECKSUM', 'xz block header CRC32 mismatch', { offset: offset + size - 4 });
  }
  const flags = header[1]!;
  if ((flags & 0x3c) !== 0) {
    throw compressError('XZ_UNSUPPORTED', 'xz block flags use reserved bits', { offset: offset + 1 });
  }
  let at = 2;
  const vli = (what: string): number => {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      if (at >= size - 4) break;
      const byte = header[at++]!;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        // liblzma and the kernel's xz_dec reject a padded encoding (a final 0x00 after the first byte).
        if (byte === 0 && i > 0) {
          throw compressError('XZ_CORRUPT', `block header ${what}: non-minimal integer`, {
            offset: offset + at - 1,
          });
        }
        return value;
      }
    }
    throw compressError('XZ_CORRUPT', `block header ${what} is malformed`, { offset: offset + at });
  };
  const compressedSize = flags & 0x40 ? vli('compressed size') : undefined;
  const uncompressedSize = flags & 0x80 ? vli('uncompressed size') : undefined;
  const filterCount = (flags & 3) + 1;
  const filters: BranchFilter[] = [];
  let dictionarySize = 0;
  for (let f = 0; f < filterCount; f++) {
    const filterOffset = offset + at;
    const id = vli('filter id');
    const propertiesSize = vli('filter properties size');
    if (at + propertiesSize > size - 4) {
      throw compressError('XZ_CORRUPT', 'filter properties run past the block header', { offset: filterOffset });
    }
    const properties = header.subarray(at, at + propertiesSize);
    at += propertiesSize;
    const last = f === filterCount - 1;
    if (id === FILTER_LZMA2) {
      if (!last) throw compressError('XZ_CORRUPT', 'LZMA2 must be the last filter', { offset: filterOffset });
      if (propertiesSize !== 1)
        throw compressError('XZ_CORRUPT', 'LZMA2 properties must be 1 byte', { offset: filterOffset });
      dictionarySize = lzma2DictionarySize(properties[0]!, filterOffset);
    } else if (last) {
      throw compressError('XZ_UNSUPPORTED', `the last filter must be LZMA2, found 0x${id.toString(16)}`, {
        offset: filterOffset,
      });
    } else {
      filters.push(createBranchFilter(id, properties, filterOffset));
    }
  }
  for (; at < size - 4; at++) {
    if (header[at] !== 0) throw compressError('XZ_CORRUPT', 'non-zero block header padding', { offset: offset + at });
  }
  return { filters, dictionarySize, compressedSize, uncompressedSize };
}

function readU32le(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function checkName(checkType: number): string {
  return checkType === CHECK_CRC32 ? 'CRC32' : checkType === CHECK_CRC64 ? 'CRC64' : 'SHA-256';
}

/** The check value of `data` as xz stores it (little-endian CRCs, SHA-256 bytes). */
function computeCheck(checkType: number, data: Uint8Array): Uint8Array {
  if (checkType === CHECK_CRC32) {
    const value = crc32(data);
    return new Uint8Array([value, value >>> 8, value >>> 16, value >>> 24]);
  }
  if (checkType === CHECK_CRC64) return u64le(crc64(data));
  if (checkType === CHECK_SHA256) return sha256(data);
  return new Uint8Array(0);
}

function u64le(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/** One-shot mode: every block decodes straight into the growing output; filters and check run at block end. */
export class LinearBlockSink implements XzBlockSink {
  private readonly lzma: LzmaDecoder;
  private readonly lzma2: Lzma2Decoder;
  private readonly window: LinearWindow;
  private blockStart = 0;
  private filters: BranchFilter[] = [];
  private checkType = 0;

  constructor(output: OutputBuffer) {
    this.window = new LinearWindow(output);
    this.lzma = new LzmaDecoder(output.bytes);
    this.lzma.pos = output.length;
    this.lzma2 = new Lzma2Decoder(this.lzma, this.window);
  }

  begin(_dictionarySize: number, filters: BranchFilter[], checkType: number): Lzma2Decoder {
    this.blockStart = this.lzma.pos;
    this.filters = filters;
    this.checkType = checkType;
    this.lzma2.reset();
    return this.lzma2;
  }

  chunk(): void {}

  end(): { size: number; check: Uint8Array } {
    const window = this.lzma.window;
    const end = this.lzma.pos;
    this.window.drain(this.lzma);
    for (let i = this.filters.length - 1; i >= 0; i--) this.filters[i]!.decode(window, this.blockStart, end);
    const check = computeCheck(this.checkType, window.subarray(this.blockStart, end));
    return { size: end - this.blockStart, check };
  }
}

/** Streaming mode: a dictionary-sized ring per block; decoded bytes are filtered and handed out per chunk. */
export class StreamingBlockSink implements XzBlockSink {
  private lzma: LzmaDecoder | undefined;
  private lzma2: Lzma2Decoder | undefined;
  private window = new CircularWindow();
  private stages: FilterStage[] = [];
  private checkType = 0;
  private crc = 0;
  private crc64Value = 0n;
  private sha: ReturnType<typeof sha256.create> | undefined;
  private blockSize = 0;
  private totalOutput = 0;

  constructor(
    private readonly emit: (chunk: Uint8Array) => void,
    private readonly limits: OutputLimits,
    private readonly queue: InputQueue,
  ) {}

  begin(dictionarySize: number, filters: BranchFilter[], checkType: number): Lzma2Decoder {
    const size = circularWindowSize(dictionarySize);
    if (!this.lzma || this.lzma.window.length !== size) {
      this.lzma = new LzmaDecoder(new Uint8Array(size));
      this.window = new CircularWindow();
      this.lzma2 = new Lzma2Decoder(this.lzma, this.window);
    }
    this.lzma2!.reset();
    this.stages = filters.map((filter) => new FilterStage(filter)).reverse();
    this.checkType = checkType;
    this.crc = 0;
    this.crc64Value = 0n;
    this.sha = checkType === CHECK_SHA256 ? sha256.create() : undefined;
    this.blockSize = 0;
    return this.lzma2!;
  }

  chunk(): void {
    this.pass(this.window.drain(this.lzma!), false);
  }

  end(): { size: number; check: Uint8Array } {
    this.pass(this.window.drain(this.lzma!), true);
    let check: Uint8Array;
    if (this.checkType === CHECK_CRC32)
      check = new Uint8Array([this.crc, this.crc >>> 8, this.crc >>> 16, this.crc >>> 24]);
    else if (this.checkType === CHECK_CRC64) check = u64le(this.crc64Value);
    else if (this.sha) check = this.sha.digest();
    else check = new Uint8Array(0);
    return { size: this.blockSize, check };
  }

  private pass(data: Uint8Array, final: boolean): void {
    let chunk = data;
    for (const stage of this.stages) chunk = stage.push(chunk, final);
    if (chunk.length === 0) return;
    this.blockSize += chunk.length;
    this.totalOutput += chunk.length;
    checkOutput(this.limits, this.totalOutput, this.queue.received, this.queue.offset);
    if (this.checkType === CHECK_CRC32) this.crc = crc32(chunk, this.crc);
    else if (this.checkType === CHECK_CRC64) this.crc64Value = crc64(chunk, this.crc64Value);
    else this.sha?.update(chunk);
    this.emit(chunk);
  }
}

/** One filter in streaming mode: keeps the bytes a branch might still straddle until more arrive. */
class FilterStage {
  private pending = new Uint8Array(0);

  constructor(private readonly filter: BranchFilter) {}

  push(data: Uint8Array, final: boolean): Uint8Array {
    let combined = data;
    if (this.pending.length > 0) {
      combined = new Uint8Array(this.pending.length + data.length);
      combined.set(this.pending);
      combined.set(data, this.pending.length);
    }
    const done = this.filter.decode(combined, 0, combined.length);
    if (final) {
      this.pending = new Uint8Array(0);
      return combined;
    }
    this.pending = combined.slice(done);
    return combined.subarray(0, done);
  }
}

/**
 * The total uncompressed size of the xz streams filling `input` exactly, read backwards from the last
 * footer through each index; undefined when the input does not end in an xz footer. A hint only: it
 * sizes the output buffer, the forward decode still verifies everything.
 */
export function xzSizeFromIndex(input: Uint8Array): number | undefined {
  let end = input.length;
  let total = 0;
  while (end > 0) {
    while (end >= 4 && readU32le(input, end - 4) === 0) end -= 4;
    if (end < 24 || input[end - 2] !== FOOTER_MAGIC_0 || input[end - 1] !== FOOTER_MAGIC_1) return undefined;
    const footer = end - 12;
    const indexSize = (readU32le(input, footer + 4) + 1) * 4;
    const indexStart = footer - indexSize;
    if (indexStart < 12 || input[indexStart] !== 0) return undefined;
    let at = indexStart + 1;
    const vli = (): number => {
      let value = 0;
      for (let i = 0; i < 9 && at < footer; i++) {
        const byte = input[at++]!;
        value += (byte & 0x7f) * 2 ** (7 * i);
        if ((byte & 0x80) === 0) return value;
      }
      return Number.NaN;
    };
    const count = vli();
    let blocks = 0;
    for (let i = 0; i < count && at < footer; i++) {
      blocks += Math.ceil(vli() / 4) * 4;
      total += vli();
    }
    if (!Number.isFinite(total) || !Number.isFinite(blocks)) return undefined;
    const streamStart = indexStart - blocks - 12;
    if (streamStart < 0 || input[streamStart] !== XZ_MAGIC[0] || input[streamStart + 1] !== XZ_MAGIC[1])
      return undefined;
    end = streamStart;
  }
  return total;
}
