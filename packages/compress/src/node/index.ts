/**
 * The Node build of @initkit/compress (chosen by the `node` export condition): the same API as the
 * isomorphic entry, with gzip decoded and encoded by node:zlib, and zstd too where the runtime's
 * node:zlib has it (Node 22.15+, 23.8+, 24), feature-detected at load.
 */
import { sourceChunks } from '@initkit/core';
import { decodeFormat as decodeFormatPure, type FormatDecodeResult, resolveFormat } from '../decode.js';
import { detect } from '../detect.js';
import { encode as encodePure } from '../encode.js';
import {
  type CompressionFormat,
  type DecodeOptions,
  type DecodeResult,
  type EncodeOptions,
  ENCODABLE_FORMATS as PURE_ENCODABLE_FORMATS,
} from '../format.js';
import {
  type ByteSource,
  decodeStreamExtent as decodeStreamExtentPure,
  decodeStream as decodeStreamPure,
  type StreamDecoding,
} from '../stream.js';
import { decodeGzipNode, encodeGzipNode } from './gzip.js';
import { decodeZstdNode, decodeZstdStreamNode, encodeZstdNode, NODE_ENCODES_ZSTD, NODE_HAS_ZSTD } from './zstd.js';

export * from '../index.js';
export { NODE_ENCODES_ZSTD, NODE_HAS_ZSTD } from './zstd.js';

/** Formats encode() can write on this runtime: zstd joins when node:zlib has it. */
export const ENCODABLE_FORMATS: readonly CompressionFormat[] = NODE_ENCODES_ZSTD
  ? [...PURE_ENCODABLE_FORMATS.filter((format) => format !== 'none'), 'zstd', 'none']
  : PURE_ENCODABLE_FORMATS;

/** Decodes the compressed stream at the start of `bytes` (format detected unless given). */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const format = resolveFormat(bytes, options);
  const result = decodeFormat(format, bytes, options);
  return { format, ...result, trailing: bytes.length - result.consumed };
}

export function decodeFormat(
  format: CompressionFormat,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): FormatDecodeResult {
  if (format === 'gzip') return decodeGzipNode(bytes, options);
  if (format === 'zstd') return decodeZstdNode(bytes, options);
  return decodeFormatPure(format, bytes, options);
}

/** gzip through node:zlib. */
export function decodeGzip(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  return decodeGzipNode(bytes, options);
}

/** zstd through node:zlib where the runtime has it, else the TypeScript decoder. */
export function decodeZstd(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  return decodeZstdNode(bytes, options);
}

/** Compresses `bytes` as `format` (gzip, and zstd where available, through node:zlib). */
export function encode(format: CompressionFormat, bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  if (format === 'gzip') return encodeGzipNode(bytes, options);
  if (format === 'zstd') return encodeZstdNode(bytes, options);
  return encodePure(format, bytes, options);
}

/** gzip through node:zlib. */
export function encodeGzip(bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  return encodeGzipNode(bytes, options);
}

/** zstd through node:zlib (levels 1-19, default 3); COMPRESS_UNSUPPORTED naming the runtime elsewhere. */
export function encodeZstd(bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  return encodeZstdNode(bytes, options);
}

/** decodeStreamExtent with zstd through node:zlib where the runtime has it. */
export function decodeStreamExtent(
  source: ByteSource,
  format: CompressionFormat,
  options: DecodeOptions = {},
): StreamDecoding {
  return format === 'zstd' ? decodeZstdStreamNode(source, options) : decodeStreamExtentPure(source, format, options);
}

/** decodeStream with zstd through node:zlib where the runtime has it. */
export async function* decodeStream(
  source: ByteSource,
  options: DecodeOptions = {},
): AsyncGenerator<Uint8Array, void, void> {
  if (!NODE_HAS_ZSTD || (options.format !== undefined && options.format !== 'zstd')) {
    yield* decodeStreamPure(source, options);
    return;
  }
  // Peek at the first bytes to detect the format, then hand the whole source on.
  const input = sourceChunks(source)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < 6) {
    const next = await input.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array, void, void> {
    yield* head;
    if (ended) return;
    for (;;) {
      const next = await input.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const first = new Uint8Array(headBytes);
  let at = 0;
  for (const piece of head) {
    first.set(piece, at);
    at += piece.length;
  }
  const format = options.format ?? detect(first).format;
  if (format === 'zstd') yield* decodeZstdStreamNode(replay(), options).chunks;
  else yield* decodeStreamPure(replay(), options);
}
