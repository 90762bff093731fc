/**
 * Streaming decode for gzip, xz, lzma and zstd: decompressed chunks come out while the compressed
 * input is still arriving (a download can be parsed as it lands). Input is an async iterable or a Web
 * ReadableStream of Uint8Array chunks; memory stays bounded by the format's window, not the data size.
 */
import { type ByteSource, crc32, sourceChunks } from '@initkit/core';
import { Xxh64 } from './checksum/xxhash.js';
import { decodeFormat, resolveFormat } from './decode.js';
import { detect } from './detect.js';
import { type CompressErrorCode, compressError } from './errors.js';
import type { CompressionFormat, DecodeOptions } from './format.js';
import { type GzipTarget, readGzipMembers } from './gzip/gzip.js';
import { InputQueue, mayBeginZstdFrame, need, peekAvailable } from './input-queue.js';
import { checkOutput, type OutputLimits, outputLimits } from './limits.js';
import { type LzmaAloneHeader, readLzmaAlone } from './xz/lzma-alone.js';
import { LzmaDecoder } from './xz/lzma-decoder.js';
import { CircularWindow, circularWindowSize } from './xz/window.js';
import { readXzStreams, StreamingBlockSink } from './xz/xz.js';
import { ZSTD_MAX_BLOCK_SIZE, ZstdBlockDecoder } from './zstd/block.js';
import { badMagic, isSkippableMagic, parseZstdFrameHeader, u32le, zstdHeaderSize } from './zstd/zstd.js';

/** Formats with a streaming decoder. */
export const STREAMING_FORMATS: readonly CompressionFormat[] = ['gzip', 'xz', 'lzma', 'zstd'];

/** What the streaming decoders read: @initkit/core's ByteSource (re-exported here for compress users). */
export type { ByteSource };

const TRUNCATED_CODES: Partial<Record<CompressionFormat, CompressErrorCode>> = {
  gzip: 'GZIP_TRUNCATED',
  xz: 'XZ_TRUNCATED',
  lzma: 'LZMA_TRUNCATED',
  zstd: 'ZSTD_TRUNCATED',
};

/**
 * Decodes a compressed byte stream, yielding decompressed chunks as soon as they are known. The format
 * is detected from the first bytes unless options.format names it. Checksums are verified as each
 * member, block or frame ends; a mismatch throws before the stream completes.
 */
export function decodeStream(source: ByteSource, options: DecodeOptions = {}): AsyncGenerator<Uint8Array, void, void> {
  return decodeStreamWith(undefined, source, options);
}

/**
 * A streaming decoder of one format over a queue, emitting its output (and yielding at `need` while the
 * queue is paused), or undefined to use this package's own: the Node build passes native ones. With
 * `reuse` (DecodeOptions.reuseChunks) it may write into a chunk it emitted once it pauses the queue and
 * is resumed: the drivers resume it only after the consumer asked for the chunk after that one.
 */
export type StreamingEngine = (
  format: CompressionFormat,
  queue: InputQueue,
  emit: (chunk: Uint8Array) => void,
  limits: OutputLimits,
  reuse: boolean,
) => Generator<void, unknown, void> | undefined;

/** A decoder created for a driver, the output it pushed and not yet handed on, and its flush. */
interface StreamingRun {
  decoder: Generator<void, unknown, void>;
  flush: () => void;
  pending: Uint8Array[];
}

/**
 * One turn of a driver: resumes the decoder and hands on what it pushed. Returns whether the decoder
 * is done, waits for input, or only paused for its output to be taken (it resumes with no new input).
 */
function* turn({ decoder, flush, pending }: StreamingRun, queue: InputQueue): Generator<Uint8Array, Turn, void> {
  const step = decoder.next();
  flush();
  while (pending.length > 0) yield pending.shift()!;
  if (step.done) return 'done';
  if (!queue.paused) return 'input';
  queue.paused = false;
  return 'resume';
}

type Turn = 'done' | 'input' | 'resume';

/**
 * The asynchronous drivers' loop (decodeStream, decodeStreamExtent): turns until the decoder is done,
 * pulling input when it waits for some, and ends it when the consumer stops early (a native decoder
 * frees its context there).
 */
async function* driveAsync(
  run: StreamingRun,
  queue: InputQueue,
  pull: () => Promise<void>,
): AsyncGenerator<Uint8Array, void, void> {
  try {
    for (;;) {
      const next = yield* turn(run, queue);
      if (next === 'done') return;
      if (next === 'input') await pull();
    }
  } finally {
    run.decoder.return(undefined);
  }
}

/** Appends the source's next chunk to `queue`, or marks the queue final at the source's end. */
async function pullInto(queue: InputQueue, input: AsyncIterator<Uint8Array>): Promise<void> {
  const next = await input.next();
  if (next.done) queue.final = true;
  else if (next.value.length > 0) queue.append(next.value);
}

/** decodeStream with decoders from `engine` where it has them. */
export async function* decodeStreamWith(
  engine: StreamingEngine | undefined,
  source: ByteSource,
  options: DecodeOptions = {},
): AsyncGenerator<Uint8Array, void, void> {
  const limits = outputLimits(options, true);
  const input = sourceChunks(source)[Symbol.asyncIterator]();
  const queue = new InputQueue(new Uint8Array(0), false, 'COMPRESS_TRUNCATED');
  const pull = () => pullInto(queue, input);
  while (!queue.final && queue.available < 6) await pull();
  const format = options.format ?? detect(queue.bytes.subarray(queue.position, queue.end)).format;
  if (format === 'unknown' || format === 'cpio' || !STREAMING_FORMATS.includes(format as CompressionFormat)) {
    throw compressError(
      'COMPRESS_UNSUPPORTED',
      `no streaming decoder for ${format}; stream ${STREAMING_FORMATS.join(', ')}`,
    );
  }
  const run = createStreamingDecoder(format as CompressionFormat, queue, limits, engine, options);
  yield* driveAsync(run, queue, pull);
}

/** The resumable decoder for `format` over `queue`; decoded chunks are pushed to the run's `pending`. */
function createStreamingDecoder(
  format: CompressionFormat,
  queue: InputQueue,
  limits: OutputLimits,
  engine: StreamingEngine | undefined,
  options: DecodeOptions,
): StreamingRun {
  (queue as { truncatedCode: CompressErrorCode }).truncatedCode = TRUNCATED_CODES[format]!;
  const pending: Uint8Array[] = [];
  let waiting = 0;
  const emit = (chunk: Uint8Array) => {
    if (chunk.length === 0) return;
    // The driver empties `pending` whenever the decoder yields; a bomb must not decode ahead of it.
    if (pending.length === 0) waiting = 0;
    pending.push(chunk);
    waiting += chunk.length;
    if (waiting >= PENDING_OUTPUT_LIMIT) queue.paused = true;
  };
  const run = (decoder: Generator<void, unknown, void>, flush = () => {}): StreamingRun => ({
    decoder,
    flush,
    pending,
  });
  const native = engine?.(format, queue, emit, limits, options.reuseChunks === true);
  if (native) return run(native);
  if (format === 'gzip') {
    const target = new SlidingGzipTarget(emit, limits, queue);
    return run(readGzipMembers(queue, target), () => target.flush());
  }
  if (format === 'xz') return run(readXzStreams(queue, new StreamingBlockSink(emit, limits, queue)));
  if (format === 'lzma') return run(lzmaStream(queue, emit, limits));
  return run(zstdStream(queue, emit, limits));
}

/** Decoded bytes a streaming decoder may hold before it pauses for the consumer. */
const PENDING_OUTPUT_LIMIT = 1 << 20;

/** Input piece size for decodeChunks: small enough to bound memory, large enough to be cheap. */
const CHUNKED_INPUT_PIECE = 1 << 20;

/**
 * Decodes an in-memory buffer piece by piece, synchronously, yielding decompressed chunks as they are
 * known: the output never has to exist in one piece (write it to a file as it comes). gzip, xz, lzma and
 * zstd stream this way; other formats are decoded whole and yielded as one chunk.
 */
export function decodeChunks(bytes: Uint8Array, options: DecodeOptions = {}): Generator<Uint8Array, void, void> {
  return decodeChunksWith(undefined, bytes, options);
}

/** decodeChunks with decoders from `engine` where it has them. */
export function* decodeChunksWith(
  engine: StreamingEngine | undefined,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Generator<Uint8Array, void, void> {
  const limits = outputLimits(options, true);
  const format = resolveFormat(bytes, options);
  if (!STREAMING_FORMATS.includes(format)) {
    yield decodeFormat(format, bytes, options).output;
    return;
  }
  const queue = new InputQueue(new Uint8Array(0), false, 'COMPRESS_TRUNCATED');
  const run = createStreamingDecoder(format, queue, limits, engine, options);
  let fed = 0;
  try {
    for (;;) {
      const next = yield* turn(run, queue);
      if (next === 'done') return;
      if (next === 'resume') continue;
      if (fed >= bytes.length) {
        queue.final = true;
        continue;
      }
      const piece = bytes.subarray(fed, fed + CHUNKED_INPUT_PIECE);
      fed += piece.length;
      queue.append(piece);
    }
  } finally {
    // A consumer that stops early (a kernel banner found) must still end the decoder (see driveAsync).
    run.decoder.return(undefined);
  }
}

/** A streaming decode of the one compressed stream at the start of a source, telling where it ended. */
export interface StreamDecoding {
  /** The decompressed bytes, chunk by chunk; limits and checksums are enforced as they come. */
  chunks: AsyncIterable<Uint8Array>;
  /** Input bytes the stream used (all its members, streams or frames); known once `chunks` is done. */
  consumed(): number;
}

/**
 * Decodes the `format` stream at the start of `source` as chunks, stopping at its end (bytes after it,
 * such as the next member of an initrd, are left alone and counted by neither `chunks` nor `consumed`).
 * gzip, xz, lzma and zstd; other formats throw COMPRESS_UNSUPPORTED. Each source chunk is copied into
 * the decoder's input queue before the next is asked for, so a source may read into one buffer.
 */
export function decodeStreamExtent(
  source: ByteSource,
  format: CompressionFormat,
  options: DecodeOptions = {},
): StreamDecoding {
  return decodeStreamExtentWith(undefined, source, format, options);
}

/** decodeStreamExtent with decoders from `engine` where it has them. */
export function decodeStreamExtentWith(
  engine: StreamingEngine | undefined,
  source: ByteSource,
  format: CompressionFormat,
  options: DecodeOptions = {},
): StreamDecoding {
  if (!STREAMING_FORMATS.includes(format)) {
    throw compressError(
      'COMPRESS_UNSUPPORTED',
      `no streaming decoder for ${format}; stream ${STREAMING_FORMATS.join(', ')}`,
    );
  }
  const limits = outputLimits(options, true);
  const queue = new InputQueue(new Uint8Array(0), false, 'COMPRESS_TRUNCATED');
  async function* chunks(): AsyncGenerator<Uint8Array, void, void> {
    const input = sourceChunks(source)[Symbol.asyncIterator]();
    const run = createStreamingDecoder(format, queue, limits, engine, options);
    yield* driveAsync(run, queue, () => pullInto(queue, input));
  }
  return { chunks: chunks(), consumed: () => queue.offset };
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

  get paused(): boolean {
    return this.queue.paused;
  }

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

/**
 * Streaming zstd output window: the frame's window (its history) plus half of it (at least 1 MiB) of
 * room, into which blocks are decoded until it is full and the history slides to the front. Each slide
 * copies the history, so the room trades memory for copying: half the window copies at most twice the
 * output, and listing the 88 MiB zstd initrd on the pure decoder peaked 5 MiB lower than with twice the
 * window plus 1 MiB (bench/RESULTS, issue 19), at no measurable cost in time.
 */
const ZSTD_SLIDE_SLACK = 1 << 20;
/**
 * Windows up to this size are allocated whole at once (pages untouched until written cost no memory),
 * not grown by doubling, whose every step copies the output so far and leaves the old array as garbage.
 */
const ZSTD_EAGER_WINDOW = 64 << 20;

/**
 * zstd frames decoded block by block as the blocks arrive, into a window buffer that keeps the frame's
 * history (bounded by the window size, the declared content size and maxOutputBytes); each block's
 * output is emitted as it is decoded, and the content checksum verified at the end of each frame.
 * zstd/zstd.ts says why this walk and the one-shot one stay two (test/zstd-agree.test.ts holds them to
 * the same errors).
 */
function* zstdStream(
  queue: InputQueue,
  emit: (chunk: Uint8Array) => void,
  limits: OutputLimits,
): Generator<void, void, void> {
  let total = 0;
  const decoder = new ZstdBlockDecoder();
  for (;;) {
    if (!mayBeginZstdFrame(queue.bytes, queue.position, queue.end)) {
      throw badMagic(queue.bytes, queue.position, queue.end, queue.offset);
    }
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
        throw compressError('ZSTD_BAD_MAGIC', `expected a zstd frame magic, found 0x${magic.toString(16)}`, {
          offset: frameOffset,
        });
      }
      const headerSize = zstdHeaderSize(queue.bytes[queue.position + 4]!);
      yield* need(queue, headerSize, 'zstd frame header');
      const header = parseZstdFrameHeader(queue.bytes, queue.position, frameOffset);
      queue.position += headerSize;
      decoder.reset(header.windowSize);
      const blockMax = decoder.blockMaxSize;
      const history = Math.min(header.windowSize, limits.maxOutputBytes);
      let cap = Math.max(history + Math.max(history >> 1, ZSTD_SLIDE_SLACK), blockMax);
      if (header.contentSize !== undefined) cap = Math.min(cap, Math.max(header.contentSize, 1));
      let window = new Uint8Array(cap <= ZSTD_EAGER_WINDOW ? cap : Math.min(cap, ZSTD_SLIDE_SLACK + blockMax));
      let pos = 0;
      let produced = 0;
      const hash = new Xxh64();
      for (;;) {
        yield* need(queue, 3, 'zstd block header');
        const b = queue.bytes;
        const p = queue.position;
        const blockHeader = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
        const last = (blockHeader & 1) === 1;
        const type = (blockHeader >>> 1) & 3;
        const size = blockHeader >>> 3;
        const blockOffset = queue.offset;
        if (type === 3) throw compressError('ZSTD_CORRUPT', 'reserved zstd block type', { offset: blockOffset });
        if (size > ZSTD_MAX_BLOCK_SIZE || (type !== 2 && size > blockMax)) {
          throw compressError('ZSTD_CORRUPT', `zstd block of ${size} bytes is too large`, { offset: blockOffset });
        }
        yield* need(queue, 3 + (type === 1 ? 1 : size), 'zstd block');
        // Room for the block: grow the window up to its cap, then slide the history to the front.
        const declaredRest = header.contentSize === undefined ? blockMax : header.contentSize - produced;
        const room = type === 2 ? Math.min(blockMax, Math.max(declaredRest, 0)) : size;
        if (pos + room > window.length) {
          if (window.length < cap) {
            const grown = new Uint8Array(Math.min(cap, Math.max(window.length * 2, pos + room)));
            grown.set(window.subarray(0, pos));
            window = grown;
          }
          if (pos + room > window.length) {
            const keep = Math.min(pos, history);
            window.copyWithin(0, pos - keep, pos);
            pos = keep;
          }
          if (pos + room > window.length) {
            throw compressError('ZSTD_CORRUPT', 'zstd frame decodes to more than it declares', {
              offset: blockOffset,
            });
          }
        }
        const start = queue.position + 3;
        let end: number;
        if (type === 2) {
          end = decoder.decodeBlock(queue.bytes, start, start + size, window, pos, 0, blockOffset + 3);
          queue.position = start + size;
        } else if (type === 0) {
          window.set(queue.bytes.subarray(start, start + size), pos);
          end = pos + size;
          queue.position = start + size;
        } else {
          window.fill(queue.bytes[start]!, pos, pos + size);
          end = pos + size;
          queue.position = start + 1;
        }
        if (end > pos) {
          const chunk = window.slice(pos, end);
          total += chunk.length;
          produced += chunk.length;
          checkOutput(limits, total, queue.received, queue.offset);
          if (header.contentSize !== undefined && produced > header.contentSize) {
            throw compressError(
              'ZSTD_CORRUPT',
              `frame decodes to more than the ${header.contentSize} bytes it declares`,
              {
                offset: blockOffset,
              },
            );
          }
          hash.update(chunk);
          emit(chunk);
          pos = end;
        }
        if (last) break;
      }
      if (header.contentSize !== undefined && produced !== header.contentSize) {
        throw compressError('ZSTD_CORRUPT', `frame decoded to ${produced} bytes, header says ${header.contentSize}`, {
          offset: frameOffset,
        });
      }
      if (header.hasChecksum) {
        yield* need(queue, 4, 'zstd checksum');
        const checksumOffset = queue.offset;
        const stored = queue.u32le();
        const [, low] = hash.digest();
        if (low !== stored) {
          throw compressError('ZSTD_BAD_CHECKSUM', 'zstd content checksum mismatch: the data is corrupt', {
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
