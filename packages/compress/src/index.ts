/**
 * @initkit/compress: detect and decode gzip, xz/lzma, zstd, lz4, lzo, bzip2; encode gzip, lzma, lz4.
 * Isomorphic: Uint8Array in and out, nothing from `node:` (the `node` export condition adds node:zlib).
 */
export {
  decode,
  decodeBzip2,
  decodeFormat,
  decodeGzip,
  decodeLz4,
  decodeLz4Frame,
  decodeLzma,
  decodeLzo,
  decodeXz,
  decodeZstd,
  type FormatDecodeResult,
  resolveFormat,
} from './decode.js';
export { type DetectedFormat, type Detection, detect } from './detect.js';
export { encode, encodeGzip, encodeLz4, encodeLzma } from './encode.js';
export { COMPRESS_ERROR_CODES, type CompressErrorCode } from './errors.js';
export {
  COMPRESSION_FORMATS,
  type CompressionFormat,
  type DecodeOptions,
  type DecodeResult,
  ENCODABLE_FORMATS,
  type EncodeOptions,
  isCompressionFormat,
} from './format.js';
export { DEFAULT_MAX_OUTPUT_BYTES, RATIO_FLOOR_BYTES } from './limits.js';
export {
  type ByteSource,
  decodeChunks,
  decodeStream,
  decodeStreamExtent,
  decodeWebStream,
  STREAMING_FORMATS,
  type StreamDecoding,
} from './stream.js';
