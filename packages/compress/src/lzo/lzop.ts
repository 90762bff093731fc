/**
 * The lzop file format around LZO1X blocks: a header (version, method, flags, mode, mtime, name,
 * header checksum), then blocks of big-endian uncompressed and compressed sizes, optional Adler-32 or
 * CRC-32 checksums of either side, and the data (stored when it did not shrink); a zero size ends it.
 */
import { crc32 } from '@initkit/core';
import { compressError } from '../errors.js';
import { differsFromMagic } from '../input-queue.js';
import type { OutputBuffer } from '../limits.js';
import { decodeLzo1x } from './lzo1x.js';

const MAGIC = [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
const F_ADLER32_D = 0x1;
const F_ADLER32_C = 0x2;
const F_H_EXTRA_FIELD = 0x40;
const F_CRC32_D = 0x100;
const F_CRC32_C = 0x200;
const F_H_FILTER = 0x800;
const F_H_CRC32 = 0x1000;
const MAX_BLOCK_SIZE = 64 * 1024 * 1024;

export function adler32(data: Uint8Array, previous = 1): number {
  let a = previous & 0xffff;
  let b = previous >>> 16;
  let i = 0;
  while (i < data.length) {
    const stop = Math.min(i + 3800, data.length);
    for (; i < stop; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

class Cursor {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  need(count: number, what: string): void {
    if (this.at + count > this.bytes.length) {
      throw compressError(
        'LZO_TRUNCATED',
        `${what}: needed ${count} bytes but only ${Math.max(0, this.bytes.length - this.at)} remain`,
        {
          offset: this.at,
        },
      );
    }
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.at++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const value = (this.bytes[this.at]! << 8) | this.bytes[this.at + 1]!;
    this.at += 2;
    return value;
  }
  u32(what: string): number {
    this.need(4, what);
    const b = this.bytes;
    const value = ((b[this.at]! << 24) | (b[this.at + 1]! << 16) | (b[this.at + 2]! << 8) | b[this.at + 3]!) >>> 0;
    this.at += 4;
    return value;
  }
}

function startsWithMagic(input: Uint8Array, at: number): boolean {
  if (at + MAGIC.length > input.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (input[at + i] !== MAGIC[i]) return false;
  return true;
}

/**
 * Decodes the lzop streams at the start of `input` into `output`: a concatenation, and what
 * `lzop -c a b c` writes (one stream per file), decode as `lzop -dc` does, all of them in a row.
 * Returns the input bytes used.
 */
export function decodeLzop(input: Uint8Array, output: OutputBuffer): number {
  let at = 0;
  do at = decodeLzopStream(input, at, output);
  while (startsWithMagic(input, at));
  return at;
}

function decodeLzopStream(input: Uint8Array, start: number, output: OutputBuffer): number {
  const cursor = new Cursor(input);
  cursor.at = start;
  if (differsFromMagic(input, start, input.length, MAGIC)) {
    throw compressError('LZO_BAD_MAGIC', 'not an lzop file', { offset: start });
  }
  cursor.need(MAGIC.length, 'lzop magic');
  if (!startsWithMagic(input, start)) {
    throw compressError('LZO_BAD_MAGIC', 'not an lzop file', { offset: start });
  }
  cursor.at = start + MAGIC.length;
  const headerStart = cursor.at;
  const version = cursor.u16('lzop version');
  cursor.u16('lzop library version');
  if (version >= 0x0940) {
    const needed = cursor.u16('lzop version needed');
    if (needed > 0x1040)
      throw compressError('LZO_UNSUPPORTED', `lzop file needs version 0x${needed.toString(16)}`, {
        offset: cursor.at - 2,
      });
  }
  const methodOffset = cursor.at;
  const method = cursor.u8('lzop method');
  if (method < 1 || method > 3) {
    throw compressError('LZO_UNSUPPORTED', `lzop method ${method} is not LZO1X`, { offset: methodOffset });
  }
  if (version >= 0x0940) cursor.u8('lzop level');
  const flags = cursor.u32('lzop flags');
  if (flags & F_H_FILTER)
    throw compressError('LZO_UNSUPPORTED', 'lzop filters are not supported', { offset: cursor.at - 4 });
  cursor.u32('lzop mode');
  cursor.u32('lzop mtime');
  if (version >= 0x0940) cursor.u32('lzop mtime high');
  const nameLength = cursor.u8('lzop name length');
  cursor.need(nameLength, 'lzop name');
  cursor.at += nameLength;
  const headerBytes = input.subarray(headerStart, cursor.at);
  const headerCheck = flags & F_H_CRC32 ? crc32(headerBytes) : adler32(headerBytes);
  const storedHeaderCheck = cursor.u32('lzop header checksum');
  if (storedHeaderCheck !== headerCheck) {
    throw compressError('LZO_BAD_CHECKSUM', 'lzop header checksum mismatch', { offset: cursor.at - 4 });
  }
  if (flags & F_H_EXTRA_FIELD) {
    const extraLength = cursor.u32('lzop extra field length');
    cursor.need(extraLength + 4, 'lzop extra field');
    cursor.at += extraLength + 4;
  }
  const dataCheck = (data: Uint8Array, adlerFlag: number, crcFlag: number) =>
    flags & adlerFlag ? adler32(data) : flags & crcFlag ? crc32(data) : undefined;
  for (;;) {
    const blockOffset = cursor.at;
    const uncompressedSize = cursor.u32('lzop block size');
    if (uncompressedSize === 0) break;
    const compressedSize = cursor.u32('lzop block size');
    if (uncompressedSize > MAX_BLOCK_SIZE || compressedSize > uncompressedSize) {
      throw compressError('LZO_CORRUPT', `lzop block sizes ${compressedSize}/${uncompressedSize} are invalid`, {
        offset: blockOffset,
      });
    }
    const storedDataCheck = flags & (F_ADLER32_D | F_CRC32_D) ? cursor.u32('lzop block checksum') : undefined;
    const storedCompressedCheck =
      compressedSize < uncompressedSize && flags & (F_ADLER32_C | F_CRC32_C)
        ? cursor.u32('lzop block checksum')
        : undefined;
    cursor.need(compressedSize, 'lzop block data');
    const data = input.subarray(cursor.at, cursor.at + compressedSize);
    if (storedCompressedCheck !== undefined && dataCheck(data, F_ADLER32_C, F_CRC32_C) !== storedCompressedCheck) {
      throw compressError('LZO_BAD_CHECKSUM', 'lzop compressed block checksum mismatch', { offset: blockOffset });
    }
    output.inputBytes = cursor.at + compressedSize;
    output.ensure(uncompressedSize);
    const start = output.length;
    if (compressedSize === uncompressedSize) {
      output.bytes.set(data, start);
    } else {
      const end = decodeLzo1x(
        input,
        cursor.at,
        cursor.at + compressedSize,
        output.bytes,
        start,
        start + uncompressedSize,
        0,
      );
      if (end !== start + uncompressedSize) {
        throw compressError('LZO_CORRUPT', `lzop block decoded to ${end - start} of ${uncompressedSize} bytes`, {
          offset: blockOffset,
        });
      }
    }
    output.length = start + uncompressedSize;
    if (
      storedDataCheck !== undefined &&
      dataCheck(output.bytes.subarray(start, output.length), F_ADLER32_D, F_CRC32_D) !== storedDataCheck
    ) {
      throw compressError('LZO_BAD_CHECKSUM', 'lzop block checksum mismatch: the data is corrupt', {
        offset: blockOffset,
      });
    }
    cursor.at += compressedSize;
  }
  return cursor.at;
}
