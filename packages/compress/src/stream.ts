/**
 * Streaming decode for gzip, xz, lzma and zstd: decompressed chunks come out while the compressed
 * input is still arriving (a download can be parsed as it lands). Input is an async iterable or a Web
 * ReadableStream of Uint8Array chunks; memory stays bounded by the format's window, not the data size.
 */
import { crc32, InitkitError } from '@initkit/core';
import { Decompress } from 'fzstd';
import { Xxh64 } from './checksum/xxhash.js';
import { decodeFormat, resolveFormat } from './decode.js';
import { detect } from './detect.js';
import type { CompressionFormat, DecodeOptions } from './format.js';
import { type GzipTarget, readGzipMembers } from './gzip/gzip.js';
import { InputQueue, need, peekAvailable } from './input-queue.js';
import { checkOutput, type OutputLimits, outputLimits } from './limits.js';
import { type LzmaAloneHeader, readLzmaAlone } from './xz/lzma-alone.js';
import { LzmaDecoder } from './xz/lzma-decoder.js';
import { CircularWindow, circularWindowSize } from './xz/window.js';
import { readXzStreams, StreamingBlockSink } from './xz/xz.js';

/** Formats with a streaming decoder. */
export const STREAMING_FORMATS: readonly CompressionFormat[] = ['gzip', 'xz', 'lzma', 'zstd'];

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

const TRUNCATED_CODES: Partial<Record<CompressionFormat, string>> = {
  gzip: 'GZIP_TRUNCATED',
  xz: 'XZ_TRUNCATED',
  lzma: 'LZMA_TRUNCATED',
  zstd: 'ZSTD_TRUNCATED',
};

async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array, void, void> {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<Uint8Array>;
}

/**
 * Decodes a compressed byte stream, yielding decompressed chunks as soon as they are known. The format
 * is detected from the first bytes unless options.format names it. Checksums are verified as each
 * member, block or frame ends; a mismatch throws before the stream completes.
 */
export async function* decodeStream(
  source: ByteSource,
  options: DecodeOptions = {},
): AsyncGenerator<Uint8Array, void, void> {
  const limits = outputLimits(options);
  const input = chunksOf(source)[Symbol.asyncIterator]();
  const queue = new InputQueue(new Uint8Array(0), false, 'COMPRESS_TRUNCATED');
  const pull = async (): Promise<void> => {
    const next = await input.next();
    if (next.done) queue.final = true;
    else if (next.value.length > 0) queue.append(next.value);
  };
  while (!queue.final && queue.available < 6) await pull();
  const format = options.format ?? detect(queue.bytes.subarray(queue.position, queue.end)).format;
  if (format === 'unknown' || format === 'cpio' || !STREAMING_FORMATS.includes(format as CompressionFormat)) {
    throw new InitkitError(
      'COMPRESS_NO_STREAMING',
      `no streaming decoder for ${format}; stream ${STREAMING_FORMATS.join(', ')}`,
    );
  }
  const pending: Uint8Array[] = [];
  const { decoder, flush } = createStreamingDecoder(format as CompressionFormat, queue, pending, limits);
  for (;;) {
    const step = decoder.next();
    flush();
    while (pending.length > 0) yield pending.shift()!;
    if (step.done) break;
    await pull();
  }
}

/** The resumable decoder for `format` over `queue`; decoded chunks are pushed to `pending`. */
function createStreamingDecoder(
  format: CompressionFormat,
  queue: InputQueue,
  pending: Uint8Array[],
  limits: OutputLimits,
): { decoder: Generator<void, unknown, void>; flush: () => void } {
  (queue as { truncatedCode: string }).truncatedCode = TRUNCATED_CODES[format]!;
  const emit = (chunk: Uint8Array) => {
    if (chunk.length > 0) pending.push(chunk);
  };
  if (format === 'gzip') {
    const target = new SlidingGzipTarget(emit, limits, queue);
    return { decoder: readGzipMembers(queue, target), flush: () => target.flush() };
  }
  if (format === 'xz')
    return { decoder: readXzStreams(queue, new StreamingBlockSink(emit, limits, queue)), flush: () => {} };
  if (format === 'lzma') return { decoder: lzmaStream(queue, emit, limits), flush: () => {} };
  return { decoder: zstdStream(queue, emit, limits), flush: () => {} };
}

/** Input piece size for decodeChunks: small enough to bound memory, large enough to be cheap. */
const CHUNKED_INPUT_PIECE = 1 << 20;

/**
 * Decodes an in-memory buffer piece by piece, synchronously, yielding decompressed chunks as they are
 * known: the output never has to exist in one piece (write it to a file as it comes). gzip, xz, lzma and
 * zstd stream this way; other formats are decoded whole and yielded as one chunk.
 */
export function* decodeChunks(bytes: Uint8Array, options: DecodeOptions = {}): Generator<Uint8Array, void, void> {
  const limits = outputLimits(options);
  const format = resolveFormat(bytes, options);
  if (!STREAMING_FORMATS.includes(format)) {
    yield decodeFormat(format, bytes, options).output;
    return;
  }
  const queue = new InputQueue(new Uint8Array(0), false, 'COMPRESS_TRUNCATED');
  const pending: Uint8Array[] = [];
  const { decoder, flush } = createStreamingDecoder(format, queue, pending, limits);
  let fed = 0;
  for (;;) {
    const step = decoder.next();
    flush();
    while (pending.length > 0) yield pending.shift()!;
    if (step.done) return;
    if (fed >= bytes.length) {
      queue.final = true;
      continue;
    }
    const piece = bytes.subarray(fed, fed + CHUNKED_INPUT_PIECE);
    fed += piece.length;
    queue.append(piece);
  }
}

/** A Web ReadableStream of the decompressed bytes of `source`. */
export function decodeWebStream(source: ByteSource, options: DecodeOptions = {}): ReadableStream<Uint8Array> {
  const chunks = decodeStream(source, options);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

const GZIP_HISTORY = 32 * 1024;
const GZIP_WINDOW = GZIP_HISTORY + 256 * 1024;

/** Streaming gzip target: a window that keeps 32 KiB of history and hands out everything before it. */
class SlidingGzipTarget implements GzipTarget {
  bytes = new Uint8Array(GZIP_WINDOW);
  pos = 0;
  private drained = 0;
  private crc = 0;
  private size = 0;
  private total = 0;

  constructor(
    private readonly emit: (chunk: Uint8Array) => void,
    private readonly limits: OutputLimits,
    private readonly queue: InputQueue,
  ) {}

  makeRoom(room: number): void {
    this.flush();
    const keep = Math.min(this.pos, GZIP_HISTORY);
    this.bytes.copyWithin(0, this.pos - keep, this.pos);
    this.pos = keep;
    this.drained = keep;
    if (this.pos + room > this.bytes.length) {
      const grown = new Uint8Array(this.pos + room + GZIP_WINDOW);
      grown.set(this.bytes.subarray(0, this.pos));
      this.bytes = grown;
    }
  }

  flush(): void {
    if (this.pos === this.drained) return;
    const chunk = this.bytes.slice(this.drained, this.pos);
    this.drained = this.pos;
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    this.total += chunk.length;
    checkOutput(this.limits, this.total, this.queue.received, this.queue.offset);
    this.emit(chunk);
  }

  beginMember(): void {
    this.flush();
    this.crc = 0;
    this.size = 0;
  }

  endMember(): { crc: number; size: number } {
    this.flush();
    return { crc: this.crc, size: this.size };
  }
}

function* lzmaStream(
  queue: InputQueue,
  emit: (chunk: Uint8Array) => void,
  limits: OutputLimits,
): Generator<void, void, void> {
  let window: CircularWindow | undefined;
  yield* readLzmaAlone(
    queue,
    {
      window(header: LzmaAloneHeader) {
        const bound = Math.min(header.dictionarySize, header.size ?? Number.POSITIVE_INFINITY, limits.maxOutputBytes);
        const decoder = new LzmaDecoder(new Uint8Array(circularWindowSize(Math.max(bound, 1))));
        window = new CircularWindow();
        return { decoder, owner: window };
      },
      progress(decoder) {
        emit(window!.drain(decoder));
      },
    },
    limits,
  );
}

function u32le(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function isSkippableMagic(magic: number): boolean {
  return (magic & 0xfffffff0) >>> 0 === 0x184d2a50;
}

/** zstd frames walked block by block, each block handed to fzstd as it arrives; checksums verified. */
function* zstdStream(
  queue: InputQueue,
  emit: (chunk: Uint8Array) => void,
  limits: OutputLimits,
): Generator<void, void, void> {
  let total = 0;
  for (;;) {
    yield* need(queue, 8, 'zstd frame header');
    const frameOffset = queue.offset;
    const magic = u32le(queue.bytes, queue.position);
    if (isSkippableMagic(magic)) {
      let skip = 8 + u32le(queue.bytes, queue.position + 4);
      while (skip > 0) {
        yield* need(queue, 1, 'zstd skippable frame');
        const step = Math.min(skip, queue.available);
        queue.position += step;
        skip -= step;
      }
    } else {
      if (magic !== 0xfd2fb528) {
        throw new InitkitError('ZSTD_BAD_MAGIC', `expected a zstd frame magic, found 0x${magic.toString(16)}`, {
          offset: frameOffset,
        });
      }
      const descriptor = queue.bytes[queue.position + 4]!;
      const headerSize =
        5 +
        (descriptor & 0x20 ? 0 : 1) +
        [0, 1, 2, 4][descriptor & 3]! +
        [descriptor & 0x20 ? 1 : 0, 2, 4, 8][descriptor >>> 6]!;
      const hasChecksum = (descriptor & 0x04) !== 0;
      yield* need(queue, headerSize, 'zstd frame header');
      const hash = new Xxh64();
      const decompressor = new Decompress((chunk) => {
        total += chunk.length;
        checkOutput(limits, total, queue.received, queue.offset);
        hash.update(chunk);
        emit(chunk);
      });
      const push = (bytes: Uint8Array, final: boolean) => {
        try {
          decompressor.push(bytes, final);
        } catch (error) {
          if (error instanceof InitkitError) throw error;
          throw new InitkitError('ZSTD_CORRUPT', `zstd frame is corrupt: ${(error as Error).message}`, {
            offset: frameOffset,
            cause: error,
          });
        }
      };
      push(queue.take(headerSize).slice(), false);
      for (;;) {
        yield* need(queue, 3, 'zstd block header');
        const b = queue.bytes;
        const p = queue.position;
        const header = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
        const type = (header >>> 1) & 3;
        const size = header >>> 3;
        if (type === 3) throw new InitkitError('ZSTD_CORRUPT', 'reserved zstd block type', { offset: queue.offset });
        const length = 3 + (type === 1 ? 1 : size);
        yield* need(queue, length, 'zstd block');
        const last = (header & 1) === 1;
        push(queue.take(length).slice(), last && !hasChecksum);
        if (last) break;
      }
      if (hasChecksum) {
        yield* need(queue, 4, 'zstd checksum');
        const checksumOffset = queue.offset;
        const stored = queue.take(4).slice();
        push(stored, true);
        const [, low] = hash.digest();
        if (low !== u32le(stored, 0)) {
          throw new InitkitError('ZSTD_BAD_CHECKSUM', 'zstd content checksum mismatch: the data is corrupt', {
            offset: checksumOffset,
          });
        }
      }
    }
    if (!(yield* peekAvailable(queue, 4))) return;
    const next = u32le(queue.bytes, queue.position);
    if (next !== 0xfd2fb528 && !isSkippableMagic(next)) return;
  }
}
