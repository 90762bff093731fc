/**
 * Reading an archive as it arrives, from a Web ReadableStream, a Node stream or any (async) iterable
 * of chunks, with memory bounded by the source's chunk size: the one record walk (walk.ts) pauses when
 * it needs bytes and this adapter pulls the next chunk; entries are yielded one at a time, their data
 * handed out as views of the incoming chunks, and data a caller does not read is skipped (and summed).
 */
import { ByteQueue, type ByteSource, DEFAULT_LIMITS } from '@initkit/core';
import { cpioChecksum } from './checksum.js';
import { cpioError } from './errors.js';
import { quoteCpioName } from './name.js';
import {
  type CpioRecordHeader,
  CpioWalk,
  checksumMismatch,
  dataTruncated,
  entryTooLarge,
  NEED,
  recordHeader,
  WalkedArchive,
  type WalkedRecord,
  type WalkOptions,
} from './walk.js';

/** The walk's options (walk.ts); `concatenated` reads every archive of an initrd-like sequence. */
export interface ReadCpioStreamOptions extends Omit<WalkOptions, 'start' | 'baseOffset'> {}

/** An entry of a streamed archive. Its data can be read until the next entry is requested. */
export interface CpioStreamEntry extends CpioRecordHeader {
  /** The data as chunks (views of the source's chunks: copy them to keep them past the next chunk). */
  chunks(): AsyncIterable<Uint8Array>;
  /** The data in one array; refuses entries larger than `maxBytes` (default DEFAULT_LIMITS.maxEntryBytes, 64 MiB). */
  bytes(maxBytes?: number): Promise<Uint8Array>;
}

interface DataState {
  remaining: number;
  sum: number;
  record: WalkedRecord;
  reading: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * Iterate with `for await`. After iteration, `info()` says where the (last) archive ended.
 */
export class CpioStreamReader extends WalkedArchive implements AsyncIterable<CpioStreamEntry> {
  private readonly queue: ByteQueue;
  protected readonly walk: CpioWalk;
  private ended = false;
  private started = false;

  constructor(source: ByteSource, options: ReadCpioStreamOptions = {}) {
    super();
    const queue = new ByteQueue(source);
    this.queue = queue;
    const reader = this;
    this.walk = new CpioWalk(
      {
        peek(position, count) {
          const gap = position - queue.position;
          if (gap > 0) {
            if (queue.buffered < gap) return EMPTY;
            queue.consume(gap);
          }
          return queue.peek(Math.min(count, queue.buffered));
        },
        get complete() {
          return reader.ended;
        },
        size: undefined,
      },
      options,
    );
  }

  /** Bytes consumed so far; after iteration, the offset just past the last trailer and its padding. */
  get position(): number {
    return this.queue.position;
  }

  protected override get endPosition(): number {
    return this.queue.position;
  }

  /** Archives read so far (more than one only with `concatenated`). */
  get archives(): number {
    return this.walk.archives;
  }

  /** Pulls chunks until the walk's request can be met or the source ends. */
  private async supply(): Promise<void> {
    const { position, count } = this.walk.need;
    const gap = position - this.queue.position;
    if (gap > 0 && (await this.queue.skip(gap)) < gap) {
      this.ended = true;
      return;
    }
    if (!(await this.queue.fill(count))) this.ended = true;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CpioStreamEntry> {
    if (this.started) throw cpioError('CPIO_STREAM_REUSED', 'a cpio stream can be iterated only once');
    this.started = true;
    const queue = this.queue;
    const steps = this.walk.records();
    for (;;) {
      const step = steps.next();
      if (step.done) break;
      if (step.value === NEED) {
        await this.supply();
        continue;
      }
      const record = step.value;
      // The header, name and padding were buffered by the walk: consume them.
      await queue.skip(record.dataAt - queue.position);
      const state: DataState = { remaining: record.fileSize, sum: 0, record, reading: false };
      yield this.entry(record, state);
      // The caller asked for the next entry: whatever data it left unread is skipped (and summed).
      state.reading = false;
      await this.drain(state);
    }
    // Bytes the walk looked at past the last record (trailer padding, NULs between archives).
    await queue.skip(this.walk.position - queue.position);
  }

  private entry(record: WalkedRecord, state: DataState): CpioStreamEntry {
    const entry = recordHeader(record) as CpioStreamEntry;
    entry.chunks = () => this.dataChunks(state);
    entry.bytes = (maxBytes = DEFAULT_LIMITS.maxEntryBytes) => this.dataBytes(state, maxBytes);
    return entry;
  }

  private async nextDataPiece(state: DataState): Promise<Uint8Array> {
    const piece = await this.queue.nextPiece(state.remaining);
    const { record } = state;
    if (piece.length === 0) {
      throw dataTruncated(record.name, record.fileSize, record.fileSize - state.remaining, record.dataOffset);
    }
    state.remaining -= piece.length;
    if (record.verify) state.sum = cpioChecksum(piece, state.sum);
    if (state.remaining === 0 && record.verify && state.sum !== record.check) {
      throw checksumMismatch(record, state.sum);
    }
    return piece;
  }

  private async drain(state: DataState): Promise<void> {
    if (state.record.verify) {
      while (state.remaining > 0) await this.nextDataPiece(state);
      return;
    }
    const count = state.remaining;
    state.remaining = 0;
    const { record } = state;
    const skipped = await this.queue.skip(count);
    if (skipped < count) {
      throw dataTruncated(record.name, record.fileSize, record.fileSize - count + skipped, record.dataOffset);
    }
  }

  private async *dataChunks(state: DataState): AsyncGenerator<Uint8Array> {
    if (state.reading) {
      throw cpioError('CPIO_STREAM_REUSED', `data of ${quoteCpioName(state.record.name)} is already being read`);
    }
    state.reading = true;
    while (state.remaining > 0 && state.reading) yield await this.nextDataPiece(state);
  }

  private async dataBytes(state: DataState, maxBytes: number): Promise<Uint8Array> {
    if (state.remaining > maxBytes) throw entryTooLarge(state.record, maxBytes);
    const out = new Uint8Array(state.remaining);
    let filled = 0;
    for await (const piece of this.dataChunks(state)) {
      out.set(piece, filled);
      filled += piece.length;
    }
    return out;
  }
}

/** Iterates the entries of a streamed archive (see CpioStreamReader for the end position). */
export function readCpioStream(source: ByteSource, options: ReadCpioStreamOptions = {}): CpioStreamReader {
  return new CpioStreamReader(source, options);
}
