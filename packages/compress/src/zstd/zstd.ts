/**
 * zstd frames (RFC 8878, 3.1): frame headers, skippable frames, raw/RLE/compressed blocks and the XXH64
 * content checksum. Frames are first walked block header by block header, so the end of the data and the
 * total declared size are known before decoding; the output is then allocated once (from the frames'
 * content sizes when they declare them) and every block is decoded straight into it.
 *
 * Why the streaming walk (stream.ts, zstdStream) stays separate: it cannot look ahead to the end, so it
 * decodes each block into a sliding window as it arrives, while this one-shot walk scans first so the
 * output is allocated once (a second walk costs a few block headers; reallocating 90 MiB of output
 * cost more in bench/compress). Both share the frame-header parser and the block decoder, and
 * test/zstd-agree.test.ts drives one table of bad inputs through both, whole and a byte at a time.
 */
import type { InitkitError } from '@initkit/core';
import { Xxh64 } from '../checksum/xxhash.js';
import { compressError } from '../errors.js';
import { type InputQueue, mayBeginZstdFrame, need, peekAvailable } from '../input-queue.js';
import { checkOutput, OutputBuffer, type OutputLimits } from '../limits.js';
import { ZSTD_MAX_BLOCK_SIZE, ZstdBlockDecoder } from './block.js';

const ZSTD_MAGIC = 0xfd2fb528;

export interface ZstdFrame {
  /** Offset of the frame in the input. */
  start: number;
  /** Offset just past the frame (checksum included). */
  end: number;
  skippable: boolean;
  /** Declared content size, when the frame header has one. */
  contentSize: number | undefined;
  /** The stored checksum (low 32 bits of XXH64), when present. */
  checksum: number | undefined;
  /** Upper bound of the decoded size from the block headers. */
  maxSize: number;
}

export interface ZstdFrameHeader {
  /** Bytes of the header, magic included. */
  size: number;
  /** The window (history) the frame's matches may reach back over. */
  windowSize: number;
  contentSize: number | undefined;
  hasChecksum: boolean;
}

export function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

export function isSkippableMagic(magic: number): boolean {
  return (magic & 0xfffffff0) >>> 0 === 0x184d2a50;
}

function truncated(what: string, offset: number): InitkitError {
  return compressError('ZSTD_TRUNCATED', `${what} runs past the end of the input`, { offset });
}

/** ZSTD_BAD_MAGIC for bytes at `at` that cannot begin a zstd or skippable frame. */
export function badMagic(bytes: Uint8Array, at: number, end: number, offset = at): InitkitError {
  const found = [...bytes.subarray(at, Math.min(end, at + 4))].map((byte) => byte.toString(16).padStart(2, '0'));
  return compressError('ZSTD_BAD_MAGIC', `expected a zstd frame magic, found ${found.join(' ')}`, { offset });
}

/** Bytes of a frame header (magic included) from its descriptor byte. */
export function zstdHeaderSize(descriptor: number): number {
  const singleSegment = (descriptor & 0x20) !== 0;
  return (
    5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]! + [singleSegment ? 1 : 0, 2, 4, 8][descriptor >>> 6]!
  );
}

/**
 * Parses the frame header at `at` (its magic already checked); `bytes` must hold zstdHeaderSize bytes
 * there. `offset` is `at`'s offset in the whole input, for errors.
 */
export function parseZstdFrameHeader(bytes: Uint8Array, at: number, offset: number): ZstdFrameHeader {
  const descriptor = bytes[at + 4]!;
  if (descriptor & 0x08) {
    throw compressError('ZSTD_CORRUPT', 'frame header sets the reserved bit', { offset: offset + 4 });
  }
  const singleSegment = (descriptor & 0x20) !== 0;
  let p = at + 5;
  let windowSize = 0;
  if (!singleSegment) {
    const window = bytes[p++]!;
    const exponent = window >>> 3;
    const windowBase = 2 ** (10 + exponent);
    windowSize = windowBase + (windowBase / 8) * (window & 7);
  }
  const dictionaryIdSize = [0, 1, 2, 4][descriptor & 3]!;
  let dictionaryId = 0;
  for (let i = 0; i < dictionaryIdSize; i++) dictionaryId += bytes[p + i]! * 2 ** (8 * i);
  p += dictionaryIdSize;
  if (dictionaryId !== 0) {
    throw compressError(
      'ZSTD_UNSUPPORTED',
      `zstd frame needs dictionary ${dictionaryId}; decoding with a dictionary is not supported`,
      { offset: offset + 5 },
    );
  }
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >>> 6]!;
  let contentSize: number | undefined;
  if (contentSizeBytes === 1) contentSize = bytes[p]!;
  else if (contentSizeBytes === 2) contentSize = (bytes[p]! | (bytes[p + 1]! << 8)) + 256;
  else if (contentSizeBytes === 4) contentSize = u32le(bytes, p);
  else if (contentSizeBytes === 8) contentSize = u32le(bytes, p + 4) * 2 ** 32 + u32le(bytes, p);
  p += contentSizeBytes;
  if (singleSegment) windowSize = contentSize!;
  return { size: p - at, windowSize, contentSize, hasChecksum: (descriptor & 0x04) !== 0 };
}

/** Reads one frame's layout at `start` without decoding it. */
export function scanZstdFrame(input: Uint8Array, start: number): ZstdFrame {
  if (!mayBeginZstdFrame(input, start, input.length)) throw badMagic(input, start, input.length);
  if (start + 8 > input.length) throw truncated('zstd frame header', start);
  const magic = u32le(input, start);
  if (isSkippableMagic(magic)) {
    const size = u32le(input, start + 4);
    const end = start + 8 + size;
    if (end > input.length) throw truncated('zstd skippable frame', start);
    return { start, end, skippable: true, contentSize: 0, checksum: undefined, maxSize: 0 };
  }
  if (magic !== ZSTD_MAGIC) {
    throw compressError('ZSTD_BAD_MAGIC', `expected a zstd frame magic, found 0x${magic.toString(16)}`, {
      offset: start,
    });
  }
  const headerSize = zstdHeaderSize(input[start + 4]!);
  if (start + headerSize > input.length) throw truncated('zstd frame header', start);
  const header = parseZstdFrameHeader(input, start, start);
  let at = start + headerSize;
  let maxSize = 0;
  for (;;) {
    if (at + 3 > input.length) throw truncated('zstd block header', at);
    const blockHeader = input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16);
    const last = blockHeader & 1;
    const type = (blockHeader >>> 1) & 3;
    const size = blockHeader >>> 3;
    if (type === 3) throw compressError('ZSTD_CORRUPT', 'reserved zstd block type', { offset: at });
    if (size > ZSTD_MAX_BLOCK_SIZE)
      throw compressError('ZSTD_CORRUPT', `zstd block of ${size} bytes is too large`, { offset: at });
    at += 3 + (type === 1 ? 1 : size);
    maxSize += type === 2 ? ZSTD_MAX_BLOCK_SIZE : size;
    if (at > input.length) throw truncated('zstd block', at);
    if (last) break;
  }
  let checksum: number | undefined;
  if (header.hasChecksum) {
    if (at + 4 > input.length) throw truncated('zstd checksum', at);
    checksum = u32le(input, at);
    at += 4;
  }
  const contentSize = header.contentSize;
  if (contentSize !== undefined && contentSize > maxSize) {
    throw compressError('ZSTD_CORRUPT', `frame declares ${contentSize} bytes but its blocks hold at most ${maxSize}`, {
      offset: start,
    });
  }
  return { start, end: at, skippable: false, contentSize, checksum, maxSize };
}

/**
 * Decodes one (non-skippable) frame onto the end of `output`, verifying its size and checksum. The
 * frame's blocks must already be known to lie within the input (scanZstdFrame).
 */
export function decodeZstdFrameInto(
  input: Uint8Array,
  frame: ZstdFrame,
  output: OutputBuffer,
  decoder: ZstdBlockDecoder,
): void {
  const header = parseZstdFrameHeader(input, frame.start, frame.start);
  decoder.reset(header.windowSize);
  const blockMax = decoder.blockMaxSize;
  const frameStart = output.length;
  if (frame.contentSize !== undefined) {
    checkOutput(output.limits, frameStart + frame.contentSize, frame.end, frame.start);
    output.ensure(frame.contentSize);
  }
  // The checksum runs block by block, while each block's output is still in the cache.
  const hash = frame.checksum === undefined ? undefined : new Xxh64();
  let at = frame.start + header.size;
  for (;;) {
    const blockStart = output.length;
    const blockHeader = input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16);
    const last = blockHeader & 1;
    const type = (blockHeader >>> 1) & 3;
    const size = blockHeader >>> 3;
    const start = at + 3;
    output.inputBytes = start + (type === 1 ? 1 : size);
    if (type === 2) {
      // Room for a whole block, but never past a declared size (that would regrow the exact buffer).
      const declaredRest = frame.contentSize === undefined ? blockMax : frameStart + frame.contentSize - output.length;
      output.reserve(Math.max(0, Math.min(blockMax, declaredRest)));
      const end = decoder.decodeBlock(input, start, start + size, output.bytes, output.length, frameStart, start);
      output.commit(end);
      at = start + size;
    } else {
      if (size > blockMax) {
        throw compressError('ZSTD_CORRUPT', `zstd block of ${size} bytes is over the frame's ${blockMax}`, {
          offset: at,
        });
      }
      output.reserve(size);
      if (type === 0) {
        output.bytes.set(input.subarray(start, start + size), output.length);
        at = start + size;
      } else {
        output.bytes.fill(input[start]!, output.length, output.length + size);
        at = start + 1;
      }
      output.commit(output.length + size);
    }
    hash?.update(output.bytes.subarray(blockStart, output.length));
    if (frame.contentSize !== undefined && output.length - frameStart > frame.contentSize) {
      throw compressError('ZSTD_CORRUPT', `frame decodes to more than the ${frame.contentSize} bytes it declares`, {
        offset: at,
      });
    }
    if (last) break;
  }
  const produced = output.length - frameStart;
  if (frame.contentSize !== undefined && produced !== frame.contentSize) {
    throw compressError('ZSTD_CORRUPT', `frame decoded to ${produced} bytes, header says ${frame.contentSize}`, {
      offset: frame.start,
    });
  }
  if (hash) {
    const [, low] = hash.digest();
    if (low !== frame.checksum) {
      throw compressError('ZSTD_BAD_CHECKSUM', 'zstd content checksum mismatch: the data is corrupt', {
        offset: frame.end - 4,
      });
    }
  }
}

/**
 * Walks the frames at the start of `input` (validating them as scanZstdFrame does): where they end and
 * the sum of their declared content sizes, undefined when a frame does not declare one.
 */
export function zstdExtent(input: Uint8Array): { end: number; declared: number | undefined } {
  let at = 0;
  let declared: number | undefined = 0;
  do {
    const frame = scanZstdFrame(input, at);
    if (!frame.skippable && declared !== undefined) {
      declared = frame.contentSize === undefined ? undefined : declared + frame.contentSize;
    }
    at = frame.end;
  } while (isZstdFrameStart(input, at));
  return { end: at, declared };
}

/** Whether a zstd or skippable frame starts at `at`. */
export function isZstdFrameStart(input: Uint8Array, at: number): boolean {
  if (at + 4 > input.length) return false;
  const magic = u32le(input, at);
  return magic === ZSTD_MAGIC || isSkippableMagic(magic);
}

/** Decodes consecutive zstd and skippable frames from the start of `input`. */
export function decodeZstdFrames(input: Uint8Array, limits: OutputLimits): { output: Uint8Array; consumed: number } {
  const frames: ZstdFrame[] = [];
  let at = 0;
  do {
    const frame = scanZstdFrame(input, at);
    frames.push(frame);
    at = frame.end;
  } while (isZstdFrameStart(input, at));
  // One allocation when every frame declares its size; otherwise the buffer grows block by block.
  let declared = 0;
  let allDeclared = true;
  for (const frame of frames) {
    if (frame.skippable) continue;
    if (frame.contentSize === undefined) allDeclared = false;
    else declared += frame.contentSize;
  }
  if (allDeclared) checkOutput(limits, declared, at, 0);
  const output = new OutputBuffer(limits, at, allDeclared ? declared : Math.max(declared, at * 4));
  const decoder = new ZstdBlockDecoder();
  for (const frame of frames) {
    if (!frame.skippable) decodeZstdFrameInto(input, frame, output, decoder);
  }
  return { output: output.finish(), consumed: at };
}

/**
 * Walks consecutive zstd and skippable frames on a queue without decoding them, validating what the
 * one-shot walker validates; stops at the first bytes that start no frame (or at the end of input).
 * Leaves `queue.position` just past the last frame. A delegate decoder (node:zlib) is fed exactly the
 * bytes walked, so the stream's extent and its truncation errors are this package's own.
 */
export function* walkZstdFrames(queue: InputQueue): Generator<void, void, void> {
  for (;;) {
    if (!mayBeginZstdFrame(queue.bytes, queue.position, queue.end)) {
      throw badMagic(queue.bytes, queue.position, queue.end, queue.offset);
    }
    yield* need(queue, 8, 'zstd frame header');
    const frameOffset = queue.offset;
    const magic = u32le(queue.bytes, queue.position);
    if (isSkippableMagic(magic)) {
      let skip = 8 + u32le(queue.bytes, queue.position + 4);
      while (skip > 0) {
        yield* need(queue, 1, 'zstd skippable frame');
        const step = Math.min(skip, queue.available);
        queue.position += step;
        skip -= step;
      }
    } else {
      if (magic !== ZSTD_MAGIC) {
        throw compressError('ZSTD_BAD_MAGIC', `expected a zstd frame magic, found 0x${magic.toString(16)}`, {
          offset: frameOffset,
        });
      }
      const headerSize = zstdHeaderSize(queue.bytes[queue.position + 4]!);
      yield* need(queue, headerSize, 'zstd frame header');
      const header = parseZstdFrameHeader(queue.bytes, queue.position, frameOffset);
      queue.position += headerSize;
      for (;;) {
        yield* need(queue, 3, 'zstd block header');
        const b = queue.bytes;
        const p = queue.position;
        const blockHeader = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
        const type = (blockHeader >>> 1) & 3;
        const size = blockHeader >>> 3;
        if (type === 3) throw compressError('ZSTD_CORRUPT', 'reserved zstd block type', { offset: queue.offset });
        if (size > ZSTD_MAX_BLOCK_SIZE) {
          throw compressError('ZSTD_CORRUPT', `zstd block of ${size} bytes is too large`, { offset: queue.offset });
        }
        const length = 3 + (type === 1 ? 1 : size);
        yield* need(queue, length, 'zstd block');
        queue.position += length;
        if (blockHeader & 1) break;
      }
      if (header.hasChecksum) {
        yield* need(queue, 4, 'zstd checksum');
        queue.position += 4;
      }
    }
    if (!(yield* peekAvailable(queue, 4))) return;
    const next = u32le(queue.bytes, queue.position);
    if (next !== ZSTD_MAGIC && !isSkippableMagic(next)) return;
  }
}
