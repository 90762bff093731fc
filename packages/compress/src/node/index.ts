/**
 * The Node build of @initkit/compress (chosen by the `node` export condition): the same API as the
 * isomorphic entry, with gzip decoded and encoded by node:zlib; zstd decoded by the system's libzstd
 * through koffi (an optional peer dependency) where both load, else by node:zlib where the runtime has
 * zstd (Node 22.15+, 23.8+, 24), else by the TypeScript decoder; xz and .lzma by the system's liblzma
 * through koffi where both load, else by the TypeScript decoder. The libraries are looked for at the
 * first zstd, xz or lzma decode, not at load (native.ts).
 */
import { sourceChunks } from '@initkit/core';
import {
  decodeFormat as decodeFormatPure,
  decodeLzma as decodeLzmaPure,
  decodeXz as decodeXzPure,
  type FormatDecodeResult,
  resolveFormat,
} from '../decode.js';
import { detect } from '../detect.js';
import { encode as encodePure } from '../encode.js';
import {
  type CompressionFormat,
  type DecodeOptions,
  type DecodeResult,
  type EncodeOptions,
  ENCODABLE_FORMATS as PURE_ENCODABLE_FORMATS,
} from '../format.js';
import { InputQueue, runComplete } from '../input-queue.js';
import { OutputBuffer, outputLimits } from '../limits.js';
import {
  type ByteSource,
  decodeChunks as decodeChunksPure,
  decodeChunksWith,
  decodeStreamExtentWith,
  decodeStreamWith,
  type StreamDecoding,
  type StreamingEngine,
} from '../stream.js';
import { xzSizeFromIndex } from '../xz/xz.js';
import { decodeGzipNode, encodeGzipNode } from './gzip.js';
import { liblzmaStreams } from './liblzma.js';
import { decodeZstdLib, libzstdFrames } from './libzstd.js';
import { isNativeFault, type Liblzma, liblzma, libzstd } from './native.js';
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
  if (format === 'zstd') return decodeZstd(bytes, options);
  if (format === 'xz') return decodeXz(bytes, options);
  if (format === 'lzma') return decodeLzma(bytes, options);
  return decodeFormatPure(format, bytes, options);
}

/** Which engine decodes each format here: looks for the libraries (and koffi) if not done yet. */
export function decodingEngines(): { zstd: 'libzstd' | 'node:zlib' | 'typescript'; xz: 'liblzma' | 'typescript' } {
  return {
    zstd: libzstd() ? 'libzstd' : NODE_HAS_ZSTD ? 'node:zlib' : 'typescript',
    xz: liblzma() ? 'liblzma' : 'typescript',
  };
}

/** The native streaming decoders stream.ts's drivers use where the libraries load. */
const nativeEngine: StreamingEngine = (format, queue, emit, limits, reuse) => {
  if (format === 'zstd') {
    const lib = libzstd();
    return lib && libzstdFrames(lib, queue, emit, limits, reuse);
  }
  if (format === 'xz' || format === 'lzma') {
    const lib = liblzma();
    return lib && liblzmaStreams(lib, format, queue, emit, limits, reuse);
  }
  return undefined;
};

/** One-shot xz or .lzma through liblzma; a fault liblzma reports is re-derived by the TypeScript decoder. */
function decodeLzmaFamily(lib: Liblzma, format: 'xz' | 'lzma', bytes: Uint8Array, options: DecodeOptions) {
  const limits = outputLimits(options);
  const queue = new InputQueue(bytes, true, format === 'xz' ? 'XZ_TRUNCATED' : 'LZMA_TRUNCATED');
  const sizeHint = (format === 'xz' ? xzSizeFromIndex(bytes) : undefined) ?? bytes.length * 4;
  const output = new OutputBuffer(limits, bytes.length, sizeHint);
  try {
    runComplete(liblzmaStreams(lib, format, queue, (chunk) => output.append(chunk), limits));
  } catch (error) {
    if (isNativeFault(error)) return decodeFormatPure(format, bytes, options);
    throw error;
  }
  return { output: output.finish(), consumed: queue.position };
}

/** xz through liblzma where it loads, else the TypeScript decoder. */
export function decodeXz(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const lib = liblzma();
  return lib ? decodeLzmaFamily(lib, 'xz', bytes, options) : decodeXzPure(bytes, options);
}

/** .lzma through liblzma where it loads, else the TypeScript decoder. */
export function decodeLzma(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const lib = liblzma();
  return lib ? decodeLzmaFamily(lib, 'lzma', bytes, options) : decodeLzmaPure(bytes, options);
}

/** gzip through node:zlib. */
export function decodeGzip(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  return decodeGzipNode(bytes, options);
}

/** zstd through libzstd (koffi) where it loads, else node:zlib where the runtime has it, else TypeScript. */
export function decodeZstd(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const lib = libzstd();
  return lib ? decodeZstdLib(lib, bytes, options) : decodeZstdNode(bytes, options);
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

/** Whether zstd streams through node:zlib: the runtime has it and libzstd did not load. */
function zstdThroughZlib(): boolean {
  return NODE_HAS_ZSTD && !libzstd();
}

/**
 * decodeStreamExtent with the native decoders (libzstd, liblzma; node:zlib for zstd without libzstd). As
 * there, each source chunk is copied before the next is asked for (a source may read into one buffer).
 */
export function decodeStreamExtent(
  source: ByteSource,
  format: CompressionFormat,
  options: DecodeOptions = {},
): StreamDecoding {
  if (format === 'zstd' && zstdThroughZlib()) return decodeZstdStreamNode(source, options);
  return decodeStreamExtentWith(nativeEngine, source, format, options);
}

/**
 * decodeChunks with the native decoders; a fault libzstd or liblzma reports is re-derived by the
 * TypeScript decoder over the same bytes (its error is thrown: the pure build's code, message, offset).
 */
export function* decodeChunks(bytes: Uint8Array, options: DecodeOptions = {}): Generator<Uint8Array, void, void> {
  try {
    yield* decodeChunksWith(nativeEngine, bytes, options);
  } catch (error) {
    if (!isNativeFault(error)) throw error;
    for (const _ of decodeChunksPure(bytes, options));
    throw error;
  }
}

/** decodeStream with the native decoders (libzstd, liblzma; node:zlib for zstd without libzstd). */
export async function* decodeStream(
  source: ByteSource,
  options: DecodeOptions = {},
): AsyncGenerator<Uint8Array, void, void> {
  if (options.format !== undefined || !NODE_HAS_ZSTD) {
    if (options.format === 'zstd' && zstdThroughZlib()) yield* decodeZstdStreamNode(source, options).chunks;
    else yield* decodeStreamWith(nativeEngine, source, options);
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
  if (detect(first).format === 'zstd' && zstdThroughZlib()) yield* decodeZstdStreamNode(replay(), options).chunks;
  else yield* decodeStreamWith(nativeEngine, replay(), options);
}
