/**
 * The lz4 frame format (`lz4` without -l): magic 04 22 4d 18, a frame descriptor with its own checksum,
 * blocks (compressed or stored, linked or independent, optionally checksummed), an end mark and an
 * optional content checksum. Skippable frames are passed over. The kernel does not read this format.
 */
import { xxh32 } from '../checksum/xxhash.js';
import { compressError } from '../errors.js';
import type { OutputBuffer } from '../limits.js';
import { decodeLz4Block } from './block.js';

const FRAME_MAGIC = 0x184d2204;
const BLOCK_SIZES = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function need(input: Uint8Array, at: number, count: number, what: string): void {
  if (at + count > input.length) {
    throw compressError(
      'LZ4_TRUNCATED',
      `${what}: needed ${count} bytes but only ${Math.max(0, input.length - at)} remain`,
      {
        offset: at,
      },
    );
  }
}

function isSkippable(magic: number): boolean {
  return (magic & 0xfffffff0) >>> 0 === 0x184d2a50;
}

/** Decodes consecutive lz4 frames (and skippable frames) into `output`; returns the input bytes used. */
export function decodeLz4Frames(input: Uint8Array, output: OutputBuffer): number {
  let at = 0;
  do {
    need(input, at, 4, 'lz4 frame magic');
    const magic = u32le(input, at);
    if (isSkippable(magic)) {
      need(input, at, 8, 'lz4 skippable frame');
      const size = u32le(input, at + 4);
      need(input, at + 8, size, 'lz4 skippable frame');
      at += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) {
      throw compressError('LZ4_BAD_MAGIC', `expected an lz4 frame magic, found 0x${magic.toString(16)}`, {
        offset: at,
      });
    }
    at = decodeFrame(input, at, output);
  } while (at + 4 <= input.length && (u32le(input, at) === FRAME_MAGIC || isSkippable(u32le(input, at))));
  return at;
}

function decodeFrame(input: Uint8Array, start: number, output: OutputBuffer): number {
  let at = start + 4;
  need(input, at, 3, 'lz4 frame descriptor');
  const flags = input[at]!;
  const blockDescriptor = input[at + 1]!;
  if (flags >>> 6 !== 1)
    throw compressError('LZ4_UNSUPPORTED', `lz4 frame version ${flags >>> 6} is not 1`, { offset: at });
  if (flags & 0x02 || blockDescriptor & 0x8f) {
    throw compressError('LZ4_CORRUPT', 'lz4 frame descriptor sets reserved bits', { offset: at });
  }
  const independent = (flags & 0x20) !== 0;
  const blockChecksum = (flags & 0x10) !== 0;
  const hasContentSize = (flags & 0x08) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const hasDictionary = (flags & 0x01) !== 0;
  const maxBlockSize = BLOCK_SIZES[(blockDescriptor >>> 4) & 7]!;
  if (maxBlockSize === 0) throw compressError('LZ4_CORRUPT', 'invalid lz4 block maximum size', { offset: at + 1 });
  const descriptorLength = 2 + (hasContentSize ? 8 : 0) + (hasDictionary ? 4 : 0);
  need(input, at, descriptorLength + 1, 'lz4 frame descriptor');
  if (hasDictionary)
    throw compressError('LZ4_UNSUPPORTED', 'lz4 frames with a dictionary are not supported', { offset: at });
  const headerChecksum = (xxh32(input.subarray(at, at + descriptorLength)) >>> 8) & 0xff;
  if (headerChecksum !== input[at + descriptorLength]) {
    throw compressError('LZ4_BAD_CHECKSUM', 'lz4 frame descriptor checksum mismatch', {
      offset: at + descriptorLength,
    });
  }
  const contentSize = hasContentSize ? u32le(input, at + 6) * 2 ** 32 + u32le(input, at + 2) : undefined;
  at += descriptorLength + 1;
  const frameStart = output.length;
  for (;;) {
    need(input, at, 4, 'lz4 block size');
    const word = u32le(input, at);
    at += 4;
    if (word === 0) break;
    const stored = word >>> 31 === 1;
    const size = word & 0x7fffffff;
    if (size > maxBlockSize) {
      throw compressError('LZ4_CORRUPT', `lz4 block of ${size} bytes exceeds the frame's ${maxBlockSize}`, {
        offset: at - 4,
      });
    }
    need(input, at, size + (blockChecksum ? 4 : 0), 'lz4 block');
    if (blockChecksum && xxh32(input.subarray(at, at + size)) !== u32le(input, at + size)) {
      throw compressError('LZ4_BAD_CHECKSUM', 'lz4 block checksum mismatch', { offset: at + size });
    }
    output.inputBytes = at + size;
    output.reserve(maxBlockSize);
    if (stored) {
      output.bytes.set(input.subarray(at, at + size), output.length);
      output.commit(output.length + size);
    } else {
      const history = independent ? output.length : frameStart;
      const end = decodeLz4Block(
        input,
        at,
        at + size,
        output.bytes,
        output.length,
        output.length + maxBlockSize,
        history,
        0,
      );
      output.commit(end);
    }
    at += size + (blockChecksum ? 4 : 0);
  }
  const content = output.bytes.subarray(frameStart, output.length);
  if (contentSize !== undefined && content.length !== contentSize) {
    throw compressError('LZ4_CORRUPT', `lz4 frame decoded to ${content.length} bytes, header says ${contentSize}`, {
      offset: start,
    });
  }
  if (contentChecksum) {
    need(input, at, 4, 'lz4 content checksum');
    if (xxh32(content) !== u32le(input, at)) {
      throw compressError('LZ4_BAD_CHECKSUM', 'lz4 content checksum mismatch: the data is corrupt', { offset: at });
    }
    at += 4;
  }
  return at;
}
