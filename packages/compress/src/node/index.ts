/**
 * The Node build of @initkit/compress (chosen by the `node` export condition): the same API as the
 * isomorphic entry, with gzip decoded and encoded by node:zlib.
 */
import { decodeFormat as decodeFormatPure, resolveFormat } from '../decode.js';
import { encode as encodePure } from '../encode.js';
import type { CompressionFormat, DecodeOptions, DecodeResult, EncodeOptions } from '../format.js';
import { decodeGzipNode, encodeGzipNode } from './gzip.js';

export * from '../index.js';

/** Decodes the compressed stream at the start of `bytes` (format detected unless given). */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const format = resolveFormat(bytes, options);
  return { format, ...decodeFormat(format, bytes, options) };
}

export function decodeFormat(format: CompressionFormat, bytes: Uint8Array, options: DecodeOptions = {}) {
  return format === 'gzip' ? decodeGzipNode(bytes, options) : decodeFormatPure(format, bytes, options);
}

/** gzip through node:zlib. */
export function decodeGzip(bytes: Uint8Array, options: DecodeOptions = {}): { output: Uint8Array; consumed: number } {
  return decodeGzipNode(bytes, options);
}

/** Compresses `bytes` as `format` (gzip through node:zlib). */
export function encode(format: CompressionFormat, bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  return format === 'gzip' ? encodeGzipNode(bytes, options) : encodePure(format, bytes, options);
}

/** gzip through node:zlib. */
export function encodeGzip(bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  return encodeGzipNode(bytes, options);
}
