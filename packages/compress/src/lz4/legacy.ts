/**
 * Legacy lz4 (`lz4 -l`, the format the kernel unpacks): the magic 02 21 4c 18, then blocks of a 32-bit
 * little-endian compressed size and an independent LZ4 block of at most 8 MiB of output. The format has
 * no end marker: the data ends at the end of the input, at a zero size word, or where another legacy
 * magic starts a new stream (skipped, as the kernel does).
 */

import { compressError } from '../errors.js';
import type { OutputBuffer } from '../limits.js';
import { createLz4HashTable, decodeLz4Block, encodeLz4Block, lz4CompressBound } from './block.js';

export const LZ4_LEGACY_MAGIC = 0x184c2102;
export const LZ4_LEGACY_BLOCK_SIZE = 8 * 1024 * 1024;
const MAX_COMPRESSED_BLOCK = lz4CompressBound(LZ4_LEGACY_BLOCK_SIZE);

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** Decodes legacy lz4 from the start of `input` into `output`; returns the input bytes used. */
export function decodeLz4Legacy(input: Uint8Array, output: OutputBuffer): number {
  if (input.length < 4 || u32le(input, 0) !== LZ4_LEGACY_MAGIC) {
    throw compressError('LZ4_BAD_MAGIC', 'not legacy lz4 (expected 02 21 4c 18)', { offset: 0 });
  }
  let at = 4;
  while (at + 4 <= input.length) {
    const size = u32le(input, at);
    if (size === LZ4_LEGACY_MAGIC) {
      at += 4;
      continue;
    }
    if (size === 0) break;
    if (size > MAX_COMPRESSED_BLOCK) {
      throw compressError(
        'LZ4_CORRUPT',
        `legacy lz4 block size ${size} is over the ${MAX_COMPRESSED_BLOCK}-byte limit`,
        {
          offset: at,
        },
      );
    }
    const start = at + 4;
    const end = start + size;
    if (end > input.length) {
      throw compressError('LZ4_TRUNCATED', `legacy lz4 block of ${size} bytes runs past the input`, { offset: at });
    }
    output.inputBytes = end;
    output.reserve(LZ4_LEGACY_BLOCK_SIZE);
    const limit = output.length + LZ4_LEGACY_BLOCK_SIZE;
    output.commit(decodeLz4Block(input, start, end, output.bytes, output.length, limit, output.length, 0));
    at = end;
  }
  if (at < input.length && input.length - at < 4) {
    throw compressError('LZ4_TRUNCATED', `${input.length - at} stray bytes where a block size word should be`, {
      offset: at,
    });
  }
  return at;
}

/** Upper bound of the decoded size: 8 MiB per block, found by hopping over the block size words. */
export function lz4LegacyOutputBound(input: Uint8Array): number {
  let at = 4;
  let blocks = 0;
  while (at + 4 <= input.length) {
    const size = u32le(input, at);
    if (size === LZ4_LEGACY_MAGIC) {
      at += 4;
      continue;
    }
    if (size === 0 || size > MAX_COMPRESSED_BLOCK) break;
    blocks++;
    at += 4 + size;
  }
  return blocks * LZ4_LEGACY_BLOCK_SIZE;
}

/** Encodes `data` as legacy lz4 (8 MiB independent blocks). */
export function encodeLz4Legacy(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / LZ4_LEGACY_BLOCK_SIZE));
  const out = new Uint8Array(4 + blocks * 4 + lz4CompressBound(data.length) + blocks * 16);
  const view = new DataView(out.buffer);
  view.setUint32(0, LZ4_LEGACY_MAGIC, true);
  let op = 4;
  const table = createLz4HashTable();
  for (let start = 0; start < data.length; start += LZ4_LEGACY_BLOCK_SIZE) {
    const end = Math.min(start + LZ4_LEGACY_BLOCK_SIZE, data.length);
    const blockEnd = encodeLz4Block(data, start, end, out, op + 4, table);
    view.setUint32(op, blockEnd - op - 4, true);
    op = blockEnd;
  }
  return out.slice(0, op);
}
