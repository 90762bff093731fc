/**
 * Every error code @initkit/compress throws, each with its one-line meaning. A format's codes share its
 * prefix (GZIP_, XZ_, LZMA_, ZSTD_, LZ4_, LZO_, BZIP2_); COMPRESS_ codes are about the call, not the data.
 */
import { type ErrorCodeOf, errorBuilder } from '@initkit/core';

export const COMPRESS_ERROR_CODES = {
  COMPRESS_BAD_MAGIC: 'the input starts with no magic of a format initkit decodes',
  COMPRESS_TRUNCATED: 'a stream ended before its format could even be detected',
  COMPRESS_UNSUPPORTED: 'the format has no encoder, or no streaming decoder, in this build',
  COMPRESS_BAD_OPTION: 'an option is out of range: a level, a negative limit, a block size',
  COMPRESS_OUTPUT_TOO_LARGE: 'the decoded output would exceed maxOutputBytes',
  COMPRESS_RATIO_TOO_LARGE: 'the output/input ratio exceeds maxRatio (off unless set) after the first MiB',
  COMPRESS_INTERNAL: 'a decoder broke its own contract (a bug in initkit: please report it)',
  GZIP_BAD_MAGIC: 'a gzip member does not start with 1f 8b',
  GZIP_TRUNCATED: 'the gzip data ends inside a header, the deflate stream or the trailer',
  GZIP_CORRUPT: 'the deflate stream is invalid: a bad block type, Huffman table, length or distance',
  GZIP_BAD_CHECKSUM: "the trailer's CRC-32 (or the header's FHCRC) does not match",
  GZIP_BAD_SIZE: "the trailer's ISIZE is not the decoded size modulo 2^32",
  GZIP_UNSUPPORTED: 'a gzip header with a method other than deflate or reserved flags set',
  XZ_BAD_MAGIC: 'the xz stream does not start with fd 37 7a 58 5a 00',
  XZ_TRUNCATED: 'the xz data ends inside a header, block, index or footer',
  XZ_CORRUPT: 'an xz header, block, index, filter chain or LZMA2 chunk is invalid or inconsistent',
  XZ_BAD_CHECKSUM: "a header CRC-32 or a block's check (CRC-32, CRC-64, SHA-256) does not match",
  XZ_UNSUPPORTED: 'an xz feature initkit does not decode: reserved flags, an unknown check or filter',
  LZMA_TRUNCATED: 'the .lzma data ends inside its header or range-coded stream',
  LZMA_CORRUPT: 'the .lzma header or range-coded data is invalid (properties, size, a distance past the dictionary)',
  ZSTD_BAD_MAGIC: 'a zstd frame does not start with 28 b5 2f fd (or a skippable frame magic)',
  ZSTD_TRUNCATED: 'the zstd data ends inside a frame header, block or checksum',
  ZSTD_CORRUPT: 'a zstd frame header, block, literals section, FSE or Huffman table is invalid',
  ZSTD_BAD_CHECKSUM: "a frame's XXH64 content checksum or its declared content size does not match",
  ZSTD_UNSUPPORTED: 'a zstd frame needs a dictionary, which initkit does not decode with',
  LZ4_BAD_MAGIC: 'the lz4 data starts with neither the frame magic nor the legacy magic',
  LZ4_TRUNCATED: 'the lz4 data ends inside a frame header, block or checksum',
  LZ4_CORRUPT: 'an lz4 block or frame header is invalid (an offset before the output, a reserved bit)',
  LZ4_BAD_CHECKSUM: 'an lz4 header, block or content checksum (xxHash32) does not match',
  LZ4_UNSUPPORTED: 'an lz4 frame version other than 1, or a frame that needs a dictionary',
  LZO_BAD_MAGIC: 'the data does not start with the lzop magic 89 4c 5a 4f',
  LZO_TRUNCATED: 'the lzop data ends inside a header or block',
  LZO_CORRUPT: 'an LZO1X block is invalid (a match before the output, sizes that disagree)',
  LZO_BAD_CHECKSUM: 'an lzop header or block checksum (Adler-32 or CRC-32) does not match',
  LZO_UNSUPPORTED: 'an lzop version, method or filter other than what lzop writes for LZO1X',
  BZIP2_BAD_MAGIC: 'the data does not start with BZh1..BZh9',
  BZIP2_TRUNCATED: 'the bzip2 data ends inside a block or the stream trailer',
  BZIP2_CORRUPT: 'a bzip2 block is invalid (Huffman tables, selectors, the BWT origin)',
  BZIP2_BAD_CHECKSUM: "a block's or the stream's CRC-32 does not match",
  BZIP2_UNSUPPORTED: 'a randomised bzip2 block (bzip2 0.9.0 and older)',
} as const;

export type CompressErrorCode = ErrorCodeOf<typeof COMPRESS_ERROR_CODES>;

export const compressError = errorBuilder(COMPRESS_ERROR_CODES);
