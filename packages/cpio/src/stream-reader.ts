/**
 * Reading an archive as it arrives, from a Web ReadableStream, a Node stream or any (async) iterable
 * of chunks, with memory bounded by the source's chunk size: entries are yielded one at a time, their
 * data handed out as views of the incoming chunks, and data a caller does not read is skipped.
 */
import { DEFAULT_LIMITS, hex32, InitkitError } from '@initkit/core';
import { ByteQueue, type ByteSource } from './byte-queue.js';
import { cpioChecksum } from './checksum.js';
import { type CpioFormat, isKernelFormat, S_IFMT, S_IFREG, TRAILER_NAME } from './constants.js';
import type { CpioHeaderFields } from './entry.js';
import {
  alignment,
  checkNameSize,
  decodeHeader,
  decodeName,
  detectFormat,
  entryHeaderFields,
  headerSize,
  MAGIC_SIZE,
  notKernelFormat,
  showBytes,
} from './header.js';
import { quoteCpioName } from './name.js';
import type { CpioArchiveInfo } from './reader.js';

export interface ReadCpioStreamOptions {
  /** Check the crc format's data sums (default true). */
  verifyChecksums?: boolean;
  /** Fail when the input ends before TRAILER!!! (default true). */
  requireTrailer?: boolean;
  /** After a trailer, skip NUL padding and read the next archive too, until the input ends (default false). */
  concatenated?: boolean;
  maxEntries?: number;
  maxNameBytes?: number;
  /** Refuse odc and old-binary headers as the kernel does (CPIO_NOT_KERNEL_FORMAT; default false). */
  kernelFormatsOnly?: boolean;
}

/** An entry of a streamed archive. Its data can be read until the next entry is requested. */
export interface CpioStreamEntry extends CpioHeaderFields {
  format: CpioFormat;
  name: string;
  nameBytes: Uint8Array;
  check: number;
  /** Bytes of data (file contents or symlink target). */
  fileSize: number;
  /** Absolute offset of the header in the stream. */
  offset: number;
  dataOffset: number;
  /** The data as chunks (views of the source's chunks: copy them to keep them past the next chunk). */
  chunks(): AsyncIterable<Uint8Array>;
  /** The data in one array; refuses entries larger than `maxBytes` (default 64 MiB). */
  bytes(maxBytes?: number): Promise<Uint8Array>;
}

interface DataState {
  remaining: number;
  sum: number;
  verify: boolean;
  entry: { name: string; check: number; offset: number; dataOffset: number; fileSize: number };
  reading: boolean;
}

/**
 * Iterate with `for await`. After iteration, `info()` says where the (last) archive ended.
 */
export class CpioStreamReader implements AsyncIterable<CpioStreamEntry> {
  private readonly queue: ByteQueue;
  private readonly verifyChecksums: boolean;
  private readonly requireTrailer: boolean;
  private readonly concatenated: boolean;
  private readonly maxEntries: number;
  private readonly maxNameBytes: number;
  private readonly kernelFormatsOnly: boolean;
  private archiveStart = 0;
  private count = 0;
  private started = false;
  format: CpioFormat | undefined;
  kernelCompatible = true;
  trailerOffset: number | undefined;
  /** Archives read so far (more than one only with `concatenated`). */
  archives = 0;

  constructor(source: ByteSource, options: ReadCpioStreamOptions = {}) {
    this.queue = new ByteQueue(source);
    this.verifyChecksums = options.verifyChecksums ?? true;
    this.requireTrailer = options.requireTrailer ?? true;
    this.concatenated = options.concatenated ?? false;
    this.maxEntries = options.maxEntries ?? DEFAULT_LIMITS.maxEntries;
    this.maxNameBytes = options.maxNameBytes ?? DEFAULT_LIMITS.maxNameBytes;
    this.kernelFormatsOnly = options.kernelFormatsOnly ?? false;
  }

  /** Bytes consumed so far; after iteration, the offset just past the last trailer and its padding. */
  get position(): number {
    return this.queue.position;
  }

  info(): CpioArchiveInfo {
    return {
      format: this.format,
      kernelCompatible: this.kernelCompatible,
      start: this.archiveStart,
      end: this.queue.position,
      trailerOffset: this.trailerOffset,
    };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<CpioStreamEntry> {
    if (this.started) throw new InitkitError('CPIO_STREAM_REUSED', 'a cpio stream can be iterated only once');
    this.started = true;
    const queue = this.queue;
    for (;;) {
      const headerAt = queue.position;
      if (await queue.atEnd()) {
        if (this.requireTrailer && (this.archives === 0 || this.trailerOffset === undefined || this.count > 0)) {
          throw new InitkitError('CPIO_TRUNCATED', `cpio archive ended without ${TRAILER_NAME}`, { offset: headerAt });
        }
        return;
      }
      if (this.trailerOffset !== undefined && this.count === 0) {
        // A fresh archive after a trailer (concatenated mode): count its alignment from here.
        this.archiveStart = headerAt;
      }
      await queue.fill(MAGIC_SIZE);
      const magic = queue.peek(Math.min(MAGIC_SIZE, queue.buffered));
      const format = magic.length >= 2 ? detectFormat(magic, 0) : undefined;
      if (format === undefined) {
        if (magic.length < MAGIC_SIZE && '070707'.startsWith(String.fromCharCode(...magic))) {
          throw truncated('cpio magic', MAGIC_SIZE, magic.length, headerAt);
        }
        throw new InitkitError(
          'CPIO_BAD_MAGIC',
          `expected a cpio header (070701 newc, 070702 crc), found ${showBytes(magic, 0, 6)}`,
          { offset: headerAt },
        );
      }
      if (this.kernelFormatsOnly && !isKernelFormat(format)) throw notKernelFormat(format, headerAt);
      const fixedSize = headerSize(format);
      if (!(await queue.fill(fixedSize))) throw truncated(`cpio ${format} header`, fixedSize, queue.buffered, headerAt);
      const header = decodeHeader(queue.peek(fixedSize), 0, format, headerAt);
      checkNameSize(header, this.maxNameBytes, headerAt);
      const nameEnd = fixedSize + header.nameSize;
      if (!(await queue.fill(nameEnd))) {
        throw truncated('cpio name', header.nameSize, queue.buffered - fixedSize, headerAt + fixedSize);
      }
      // Copy the name: its bytes must outlive the chunk they arrived in.
      const nameBytesView = queue.peek(nameEnd).subarray(fixedSize);
      const { name, nameBytes } = decodeName(nameBytesView.slice(), 0, header, headerAt + fixedSize);
      queue.consume(nameEnd);
      const align = alignment(format);
      await this.skipPadding(align, false);
      const dataOffset = queue.position;

      this.format ??= format;
      if (!isKernelFormat(format)) this.kernelCompatible = false;

      if (name === TRAILER_NAME) {
        await this.skipData(header.fileSize, name, dataOffset);
        await this.skipPadding(align, true);
        this.trailerOffset = headerAt;
        this.archives++;
        this.count = 0;
        if (!this.concatenated) return;
        while (!(await queue.atEnd())) {
          const zeros = queue.peek(Math.min(queue.buffered, 4096));
          const firstNonZero = zeros.findIndex((byte) => byte !== 0);
          if (firstNonZero >= 0) {
            queue.consume(firstNonZero);
            break;
          }
          queue.consume(zeros.length);
        }
        continue;
      }
      this.count++;
      if (this.count > this.maxEntries) {
        throw new InitkitError('CPIO_TOO_MANY_ENTRIES', `cpio archive has more than ${this.maxEntries} entries`, {
          offset: headerAt,
        });
      }
      const state: DataState = {
        remaining: header.fileSize,
        sum: 0,
        verify: this.verifyChecksums && format === 'crc' && (header.mode & S_IFMT) === S_IFREG,
        entry: { name, check: header.check, offset: headerAt, dataOffset, fileSize: header.fileSize },
        reading: false,
      };
      const entry: CpioStreamEntry = {
        format,
        name,
        nameBytes,
        ...entryHeaderFields(header),
        fileSize: header.fileSize,
        offset: headerAt,
        dataOffset,
        chunks: () => this.dataChunks(state),
        bytes: (maxBytes = 64 << 20) => this.dataBytes(state, maxBytes),
      };
      yield entry;
      // The caller asked for the next entry: whatever data it left unread is skipped (and summed).
      state.reading = false;
      await this.drain(state);
      await this.skipPadding(align, true);
    }
  }

  private async skipPadding(align: number, mayBeCutOff: boolean): Promise<void> {
    const misalignment = (this.queue.position - this.archiveStart) % align;
    if (misalignment === 0) return;
    const count = align - misalignment;
    const skipped = await this.queue.skip(count);
    if (skipped < count && !mayBeCutOff) {
      throw truncated('cpio padding', count, skipped, this.queue.position);
    }
  }

  private async skipData(count: number, name: string, dataOffset: number): Promise<void> {
    const skipped = await this.queue.skip(count);
    if (skipped < count) throw truncated(`cpio data of ${quoteCpioName(name)}`, count, skipped, dataOffset);
  }

  private async nextDataPiece(state: DataState): Promise<Uint8Array> {
    const piece = await this.queue.nextPiece(state.remaining);
    if (piece.length === 0) {
      const { entry } = state;
      throw truncated(
        `cpio data of ${quoteCpioName(entry.name)}`,
        entry.fileSize,
        entry.fileSize - state.remaining,
        entry.dataOffset,
      );
    }
    state.remaining -= piece.length;
    if (state.verify) state.sum = cpioChecksum(piece, state.sum);
    if (state.remaining === 0) this.verify(state);
    return piece;
  }

  private verify(state: DataState): void {
    if (!state.verify || state.sum === state.entry.check) return;
    const { entry } = state;
    throw new InitkitError(
      'CPIO_BAD_CHECKSUM',
      `cpio crc entry ${quoteCpioName(entry.name)}: header check is ${hex32(entry.check)}, data sums to ${hex32(state.sum)}`,
      { offset: entry.offset + 102 },
    );
  }

  private async drain(state: DataState): Promise<void> {
    if (state.verify) {
      while (state.remaining > 0) await this.nextDataPiece(state);
      return;
    }
    const count = state.remaining;
    state.remaining = 0;
    const { entry } = state;
    const skipped = await this.queue.skip(count);
    if (skipped < count) {
      throw truncated(
        `cpio data of ${quoteCpioName(entry.name)}`,
        entry.fileSize,
        entry.fileSize - count + skipped,
        entry.dataOffset,
      );
    }
  }

  private async *dataChunks(state: DataState): AsyncGenerator<Uint8Array> {
    if (state.reading)
      throw new InitkitError('CPIO_STREAM_REUSED', `data of ${quoteCpioName(state.entry.name)} is already being read`);
    state.reading = true;
    while (state.remaining > 0 && state.reading) yield await this.nextDataPiece(state);
  }

  private async dataBytes(state: DataState, maxBytes: number): Promise<Uint8Array> {
    if (state.remaining > maxBytes) {
      throw new InitkitError(
        'CPIO_TOO_LARGE',
        `cpio entry ${quoteCpioName(state.entry.name)} has ${state.entry.fileSize} bytes, over the ${maxBytes}-byte limit`,
        { offset: state.entry.offset },
      );
    }
    const out = new Uint8Array(state.remaining);
    let filled = 0;
    for await (const piece of this.dataChunks(state)) {
      out.set(piece, filled);
      filled += piece.length;
    }
    return out;
  }
}

function truncated(what: string, needed: number, available: number, offset: number): InitkitError {
  return new InitkitError('CPIO_TRUNCATED', `${what}: needed ${needed} bytes but only ${available} remain`, { offset });
}

/** Iterates the entries of a streamed archive (see CpioStreamReader for the end position). */
export function readCpioStream(source: ByteSource, options: ReadCpioStreamOptions = {}): CpioStreamReader {
  return new CpioStreamReader(source, options);
}
