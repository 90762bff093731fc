/**
 * Encoders for the formats a repack writes: gzip (fflate, levels 1-9), lzma alone (LZMA-JS, levels
 * 1-9), legacy lz4 (the kernel's lz4) and `none`. Asking for any other format is a typed error.
 */
import { gzipSync } from 'fflate';
import { compressError } from './errors.js';
import { type CompressionFormat, ENCODABLE_FORMATS, type EncodeOptions } from './format.js';
import { encodeLz4Legacy } from './lz4/legacy.js';
import { encodeLzmaAlone } from './xz/lzma-encode.js';

/** Compresses `bytes` as `format`. */
export function encode(format: CompressionFormat, bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  switch (format) {
    case 'gzip':
      return encodeGzip(bytes, options);
    case 'lzma':
      return encodeLzma(bytes, options);
    case 'lz4':
      return encodeLz4(bytes);
    case 'none':
      return bytes;
    case 'zstd':
      throw compressError(
        'COMPRESS_UNSUPPORTED',
        'zstd encoding needs node:zlib with zstd (Node 22.15+, 23.8+ or 24, through the Node build of @initkit/compress); this runtime encodes gzip, lzma, lz4',
      );
    default:
      throw compressError(
        'COMPRESS_UNSUPPORTED',
        `initkit cannot encode ${format}; it encodes ${ENCODABLE_FORMATS.join(', ')}`,
      );
  }
}

/** Checks a level option against the format's range and returns it (or the default). */
export function resolveLevel(format: string, level: number | undefined, fallback: number): number {
  if (level === undefined) return fallback;
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw compressError('COMPRESS_BAD_OPTION', `${format} level must be an integer from 1 to 9, got ${level}`);
  }
  return level;
}

/** gzip with fflate; a single member with no name, mtime 0 (reproducible). */
export function encodeGzip(bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  const level = resolveLevel('gzip', options.level, 6) as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  return gzipSync(bytes, { level, mtime: 0 });
}

/** .lzma (LZMA-alone) with LZMA-JS; the header records the size. */
export function encodeLzma(bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  return encodeLzmaAlone(bytes, resolveLevel('lzma', options.level, 6));
}

/** Legacy lz4 in 8 MiB independent blocks, as `lz4 -l` writes and the kernel reads. */
export function encodeLz4(bytes: Uint8Array): Uint8Array {
  return encodeLz4Legacy(bytes);
}
