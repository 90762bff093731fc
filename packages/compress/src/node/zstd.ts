/**
 * zstd through node:zlib where the runtime has it (Node 22.15+, 23.8+), for the Node build: this
 * package walks the frames itself (so the stream's extent, truncation and dictionary errors are its
 * own) and libzstd decodes exactly the bytes walked. Errors libzstd reports are re-derived by the
 * TypeScript decoder, so both engines fail with the same codes, messages and offsets.
 */
import { constants as bufferConstants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { InitkitError, sourceChunks } from '@initkit/core';
import { decodeZstd as decodeZstdPure, type FormatDecodeResult } from '../decode.js';
import { compressError } from '../errors.js';
import type { DecodeOptions, EncodeOptions } from '../format.js';
import { InputQueue } from '../input-queue.js';
import { checkOutput, outputLimits } from '../limits.js';
import { type ByteSource, decodeStreamExtent, type StreamDecoding } from '../stream.js';
import { walkZstdFrames, zstdExtent } from '../zstd/zstd.js';

interface ZstdZlib {
  zstdDecompressSync(buffer: Uint8Array, options?: object): Buffer;
  zstdCompressSync(buffer: Uint8Array, options?: object): Buffer;
  createZstdDecompress(options?: object): NodeJS.ReadWriteStream & AsyncIterable<Buffer> & { destroy(): void };
}

const zstdEncoder = (typeof (zlib as Partial<ZstdZlib>).zstdCompressSync === 'function'
  ? zlib
  : undefined) as unknown as ZstdZlib | undefined;

/**
 * Whether libzstd through node:zlib decodes every frame of a concatenation: Node 22.23 stops after the
 * first frame (a skippable frame, or the first of two), Node 24 decodes them all. Probed once at load.
 */
function decodesConcatenatedFrames(api: ZstdZlib): boolean {
  try {
    const frame = api.zstdCompressSync(new Uint8Array([0x61]));
    const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]);
    const joined = new Uint8Array(skippable.length + 2 * frame.length);
    joined.set(skippable);
    joined.set(frame, skippable.length);
    joined.set(frame, skippable.length + frame.length);
    return api.zstdDecompressSync(joined).length === 2;
  } catch {
    return false;
  }
}

const zstdZlib = zstdEncoder && decodesConcatenatedFrames(zstdEncoder) ? zstdEncoder : undefined;

/** True when zstd is decoded by libzstd through node:zlib on this runtime (else by the TypeScript decoder). */
export const NODE_HAS_ZSTD = zstdZlib !== undefined;

/** True when this runtime's node:zlib can encode zstd (Node 22.15+, 23.8+, 24). */
export const NODE_ENCODES_ZSTD = zstdEncoder !== undefined;

/** zstd's own format limit for a window (2^31, `--long=31`); libzstd refuses more than 2^27 by default. */
const WINDOW_LOG_MAX = 31;

function decoderOptions(): object {
  const constants = zlib.constants as unknown as Record<string, number>;
  return { params: { [constants.ZSTD_d_windowLogMax!]: WINDOW_LOG_MAX } };
}

/** One-shot zstd: libzstd when the runtime has it, else the TypeScript decoder. */
export function decodeZstdNode(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  if (!zstdZlib) return decodeZstdPure(bytes, options);
  const limits = outputLimits(options);
  const { end: at, declared } = zstdExtent(bytes);
  if (declared !== undefined) checkOutput(limits, declared, at, 0);
  const maxOutputLength = Math.max(1, Math.min(limits.maxOutputBytes + 1, bufferConstants.MAX_LENGTH));
  let buffer: Buffer;
  try {
    buffer = zstdZlib.zstdDecompressSync(bytes.subarray(0, at), { ...decoderOptions(), maxOutputLength });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw compressError(
        'COMPRESS_OUTPUT_TOO_LARGE',
        `decompressed output would exceed the limit of ${limits.maxOutputBytes} bytes (maxOutputBytes)`,
        { offset: 0, cause: error },
      );
    }
    // The TypeScript decoder names the fault exactly as the pure build does (or decodes what libzstd refused).
    return decodeZstdPure(bytes, options);
  }
  const output = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  checkOutput(limits, output.length, at, 0);
  return { output, consumed: at };
}

/** Maps libzstd's streaming errors to the codes the TypeScript decoder uses for the same faults. */
function zstdError(error: unknown, offset: number): unknown {
  if (error instanceof InitkitError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (code === 'ZSTD_error_checksum_wrong') {
    return compressError('ZSTD_BAD_CHECKSUM', 'zstd content checksum mismatch: the data is corrupt', {
      offset,
      cause: error,
    });
  }
  if (code.startsWith('ZSTD_error_') || code.startsWith('Z_')) {
    return compressError('ZSTD_CORRUPT', `zstd data is corrupt: ${message}`, { offset, cause: error });
  }
  return error;
}

/**
 * libzstd's output chunk: small chunks are recycled by malloc instead of being mapped and faulted in
 * afresh (a 256 KiB chunk is), which costs system time and resident memory for every 256 KiB decoded.
 */
const OUTPUT_CHUNK = 1 << 16;
/** Decoded bytes libzstd may run ahead of the consumer, so the two threads overlap. */
const READ_AHEAD = 4 * OUTPUT_CHUNK;

/** Writes `bytes` and resolves once libzstd has taken all of them (the caller may then reuse the buffer). */
function written(stream: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Streaming zstd: the frames are walked here as they arrive and their bytes written to libzstd as views
 * of the walk's queue (each write is awaited before the queue takes more, so it is never overwritten
 * while libzstd reads it); memory stays bounded by the window. Falls back to the TypeScript streaming
 * decoder without zstd in node:zlib.
 */
export function decodeZstdStreamNode(source: ByteSource, options: DecodeOptions = {}): StreamDecoding {
  if (!zstdZlib) return decodeStreamExtent(source, 'zstd', options);
  const limits = outputLimits(options, true);
  const queue = new InputQueue(new Uint8Array(0), false, 'ZSTD_TRUNCATED');
  async function feed(decompress: NodeJS.WritableStream): Promise<void> {
    const input = sourceChunks(source)[Symbol.asyncIterator]();
    const walker = walkZstdFrames(queue);
    let emitted = 0;
    for (;;) {
      const step = walker.next();
      if (queue.offset > emitted) {
        const bytes = queue.bytes.subarray(emitted - queue.base, queue.position);
        emitted = queue.offset;
        await written(decompress, bytes);
      }
      if (step.done) break;
      const next = await input.next();
      if (next.done) queue.final = true;
      else if (next.value.length > 0) queue.append(next.value);
    }
    decompress.end();
  }
  async function* chunks(): AsyncGenerator<Uint8Array, void, void> {
    const decompress = zstdZlib!.createZstdDecompress({
      ...decoderOptions(),
      chunkSize: OUTPUT_CHUNK,
      readableHighWaterMark: READ_AHEAD,
    });
    let failure: unknown;
    const feeding = feed(decompress).catch((error: unknown) => {
      failure = error;
      decompress.destroy();
    });
    let total = 0;
    try {
      for await (const chunk of decompress) {
        total += chunk.length;
        checkOutput(limits, total, queue.received, queue.offset);
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
      await feeding;
    } catch (error) {
      throw zstdError(failure ?? error, queue.offset);
    } finally {
      // Not awaited: a write cut off by the destroy may never call back.
      decompress.destroy();
    }
    if (failure) throw zstdError(failure, queue.offset);
  }
  return { chunks: chunks(), consumed: () => queue.offset };
}

/** zstd encoding: libzstd through node:zlib, levels 1-19 (default 3, as the zstd command), XXH64 checksum. */
export function encodeZstdNode(bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  if (!zstdEncoder) {
    throw compressError(
      'COMPRESS_UNSUPPORTED',
      `zstd encoding needs node:zlib with zstd (Node 22.15+, 23.8+ or 24); this is Node ${typeof process === 'object' ? process.versions.node : 'unknown'}`,
    );
  }
  const level = resolveZstdLevel(options.level);
  const constants = zlib.constants as unknown as Record<string, number>;
  const buffer = zstdEncoder.zstdCompressSync(bytes, {
    params: {
      [constants.ZSTD_c_compressionLevel!]: level,
      [constants.ZSTD_c_checksumFlag!]: 1,
      [constants.ZSTD_c_contentSizeFlag!]: 1,
    },
  });
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** zstd levels 1-19 (as the zstd command without --ultra). */
export function resolveZstdLevel(level: number | undefined): number {
  if (level === undefined) return 3;
  if (!Number.isInteger(level) || level < 1 || level > 19) {
    throw compressError('COMPRESS_BAD_OPTION', `zstd level must be an integer from 1 to 19, got ${level}`);
  }
  return level;
}
