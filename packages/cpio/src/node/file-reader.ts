/**
 * Reading an archive in a file without reading its data: headers and names are fetched with
 * positioned reads through a small window, file data is skipped by offset and read only on request.
 * Listing a large archive this way touches a few kilobytes per entry, whatever the file sizes. The
 * walk is walk.ts's: the window answers its reads, so it never waits.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DEFAULT_LIMITS } from '@initkit/core';
import { cpioChecksum } from '../checksum.js';
import type { ReadCpioOptions } from '../reader.js';
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
} from '../walk.js';

/** An entry of an archive file; its data stays on disk until asked for. */
export interface CpioFileEntry extends CpioRecordHeader {
  /** Reads the data (refuses more than `maxBytes`, default DEFAULT_LIMITS.maxEntryBytes, 64 MiB). */
  readData(maxBytes?: number): Uint8Array;
}

const WINDOW = 64 * 1024;

/**
 * Iterate the entries of the archive starting at `options.offset` in the file `path` (or an open file
 * descriptor). After iteration, `info()` says where the archive ended. Entries' `readData()` works
 * until `close()`, which closes the file when the reader opened it from a path.
 */
export class CpioFileReader extends WalkedArchive implements Iterable<CpioFileEntry> {
  private readonly descriptor: number;
  private readonly ownsDescriptor: boolean;
  private readonly size: number;
  private readonly start: number;
  protected readonly walk: CpioWalk;
  private window = new Uint8Array(WINDOW);
  private windowStart = 0;
  private windowLength = 0;
  private closed = false;

  constructor(file: string | number, options: Omit<ReadCpioOptions, 'baseOffset'> = {}) {
    super();
    this.ownsDescriptor = typeof file === 'string';
    this.descriptor = typeof file === 'string' ? openSync(file, 'r') : file;
    this.size = fstatSync(this.descriptor).size;
    this.start = options.offset ?? 0;
    this.walk = new CpioWalk(
      { peek: (position, count) => this.bytesAt(position, count), complete: true, size: this.size },
      { ...options, start: this.start },
    );
  }

  close(): void {
    if (this.ownsDescriptor && !this.closed) closeSync(this.descriptor);
    this.closed = true;
  }

  /** `length` bytes at `position` as a view of the window (valid until the next call). */
  private bytesAt(position: number, length: number): Uint8Array {
    if (position < this.windowStart || position + length > this.windowStart + this.windowLength) {
      if (length > this.window.length) this.window = new Uint8Array(Math.max(length, WINDOW));
      this.windowStart = position;
      this.windowLength = this.readAt(this.window, position, this.window.length);
    }
    const from = position - this.windowStart;
    return this.window.subarray(from, Math.min(from + length, this.windowLength));
  }

  private readAt(buffer: Uint8Array, position: number, length: number): number {
    let filled = 0;
    while (filled < length) {
      const count = readSync(this.descriptor, buffer, filled, length - filled, position + filled);
      if (count === 0) break;
      filled += count;
    }
    return filled;
  }

  *[Symbol.iterator](): Iterator<CpioFileEntry> {
    for (const step of this.walk.records()) {
      // The window reads whatever the walk asks for, so it never waits for bytes.
      if (step === NEED) continue;
      yield this.entry(step);
    }
  }

  private entry(record: WalkedRecord): CpioFileEntry {
    if (record.verify) this.verifySum(record);
    const { fileSize, dataAt } = record;
    const readData = (maxBytes = DEFAULT_LIMITS.maxEntryBytes): Uint8Array => {
      if (fileSize > maxBytes) throw entryTooLarge(record, maxBytes);
      const data = new Uint8Array(fileSize);
      const read = this.readAt(data, dataAt, fileSize);
      if (read < fileSize) throw dataTruncated(record.name, fileSize, read, record.dataOffset);
      return data;
    };
    // The header copied once and the reader added to it (no spread: CpioFileReader is benchmarked).
    const entry = recordHeader(record) as CpioFileEntry;
    entry.readData = readData;
    return entry;
  }

  private verifySum(record: WalkedRecord): void {
    let sum = 0;
    const buffer = new Uint8Array(Math.min(record.fileSize, 1 << 20));
    for (let done = 0; done < record.fileSize; ) {
      const count = this.readAt(buffer, record.dataAt + done, Math.min(buffer.length, record.fileSize - done));
      if (count === 0) throw dataTruncated(record.name, record.fileSize, done, record.dataOffset);
      sum = cpioChecksum(buffer.subarray(0, count), sum);
      done += count;
    }
    if (sum !== record.check) throw checksumMismatch(record, sum);
  }
}
