/**
 * Reading an archive in a file without reading its data: headers and names are fetched with
 * positioned reads through a small window, file data is skipped by offset and read only on request.
 * Listing a large archive this way touches a few kilobytes per entry, whatever the file sizes.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DEFAULT_LIMITS, hex32, InitkitError } from '@initkit/core';
import { cpioChecksum } from '../checksum.js';
import { type CpioFormat, isKernelFormat, S_IFMT, S_IFREG, TRAILER_NAME } from '../constants.js';
import type { CpioHeaderFields } from '../entry.js';
import {
  alignment,
  checkNameSize,
  decodeHeader,
  decodeName,
  detectFormat,
  entryHeaderFields,
  headerSize,
  MAGIC_SIZE,
  showBytes,
} from '../header.js';
import { quoteCpioName } from '../name.js';
import type { CpioArchiveInfo, ReadCpioOptions } from '../reader.js';

/** An entry of an archive file; its data stays on disk until asked for. */
export interface CpioFileEntry extends CpioHeaderFields {
  format: CpioFormat;
  name: string;
  nameBytes: Uint8Array;
  check: number;
  fileSize: number;
  offset: number;
  dataOffset: number;
  /** Reads the data (refuses more than `maxBytes`, default 64 MiB). */
  readData(maxBytes?: number): Uint8Array;
}

const WINDOW = 64 * 1024;

function truncated(what: string, needed: number, available: number, offset: number): InitkitError {
  return new InitkitError('CPIO_TRUNCATED', `${what}: needed ${needed} bytes but only ${available} remain`, { offset });
}

/**
 * Iterate the entries of the archive starting at `options.offset` in the file `path` (or an open file
 * descriptor). After iteration, `info()` says where the archive ended. Entries' `readData()` works
 * until `close()`, which closes the file when the reader opened it from a path.
 */
export class CpioFileReader implements Iterable<CpioFileEntry> {
  private readonly descriptor: number;
  private readonly ownsDescriptor: boolean;
  private readonly size: number;
  private readonly start: number;
  private readonly verifyChecksums: boolean;
  private readonly requireTrailer: boolean;
  private readonly maxEntries: number;
  private readonly maxNameBytes: number;
  private window = new Uint8Array(WINDOW);
  private windowStart = 0;
  private windowLength = 0;
  private position: number;
  private count = 0;
  format: CpioFormat | undefined;
  kernelCompatible = true;
  trailerOffset: number | undefined;

  constructor(file: string | number, options: Omit<ReadCpioOptions, 'baseOffset'> = {}) {
    this.ownsDescriptor = typeof file === 'string';
    this.descriptor = typeof file === 'string' ? openSync(file, 'r') : file;
    this.size = fstatSync(this.descriptor).size;
    this.start = options.offset ?? 0;
    this.position = this.start;
    this.verifyChecksums = options.verifyChecksums ?? true;
    this.requireTrailer = options.requireTrailer ?? true;
    this.maxEntries = options.maxEntries ?? DEFAULT_LIMITS.maxEntries;
    this.maxNameBytes = options.maxNameBytes ?? DEFAULT_LIMITS.maxNameBytes;
  }

  private closed = false;

  close(): void {
    if (this.ownsDescriptor && !this.closed) closeSync(this.descriptor);
    this.closed = true;
  }

  info(): CpioArchiveInfo {
    return {
      format: this.format,
      kernelCompatible: this.kernelCompatible,
      start: this.start,
      end: this.position,
      trailerOffset: this.trailerOffset,
    };
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

  private alignUp(position: number, align: number): number {
    const misalignment = (position - this.start) % align;
    return misalignment === 0 ? position : position + align - misalignment;
  }

  *[Symbol.iterator](): Iterator<CpioFileEntry> {
    for (;;) {
      const entry = this.next();
      if (entry === undefined) return;
      yield entry;
    }
  }

  private next(): CpioFileEntry | undefined {
    const headerAt = this.position;
    if (headerAt >= this.size) {
      if (this.requireTrailer) {
        throw new InitkitError('CPIO_TRUNCATED', `cpio archive ended without ${TRAILER_NAME}`, { offset: headerAt });
      }
      return undefined;
    }
    const magic = this.bytesAt(headerAt, MAGIC_SIZE);
    const format = magic.length >= 2 ? detectFormat(magic, 0) : undefined;
    if (format === undefined) {
      if (magic.length < MAGIC_SIZE) throw truncated('cpio magic', MAGIC_SIZE, magic.length, headerAt);
      throw new InitkitError(
        'CPIO_BAD_MAGIC',
        `expected a cpio header (070701 newc, 070702 crc), found ${showBytes(magic, 0, 6)}`,
        { offset: headerAt },
      );
    }
    const fixedSize = headerSize(format);
    const fixed = this.bytesAt(headerAt, fixedSize);
    if (fixed.length < fixedSize) throw truncated(`cpio ${format} header`, fixedSize, fixed.length, headerAt);
    const header = decodeHeader(fixed, 0, format, headerAt);
    checkNameSize(header, this.maxNameBytes, headerAt);
    const nameAt = headerAt + fixedSize;
    const nameView = this.bytesAt(nameAt, header.nameSize);
    if (nameView.length < header.nameSize) throw truncated('cpio name', header.nameSize, nameView.length, nameAt);
    const { name, nameBytes } = decodeName(nameView.slice(), 0, header, nameAt);
    const align = alignment(format);
    const dataAt = this.alignUp(nameAt + header.nameSize, align);
    if (dataAt > this.size || this.size - dataAt < header.fileSize) {
      throw truncated(`cpio data of ${quoteCpioName(name)}`, header.fileSize, Math.max(0, this.size - dataAt), dataAt);
    }
    this.position = Math.min(this.alignUp(dataAt + header.fileSize, align), this.size);
    this.format ??= format;
    if (!isKernelFormat(format)) this.kernelCompatible = false;
    if (name === TRAILER_NAME) {
      this.trailerOffset = headerAt;
      return undefined;
    }
    this.count++;
    if (this.count > this.maxEntries) {
      throw new InitkitError('CPIO_TOO_MANY_ENTRIES', `cpio archive has more than ${this.maxEntries} entries`, {
        offset: headerAt,
      });
    }
    const fileSize = header.fileSize;
    if (format === 'crc' && this.verifyChecksums && (header.mode & S_IFMT) === S_IFREG) {
      this.verifySum(dataAt, fileSize, header.check, name, headerAt);
    }
    const readData = (maxBytes = 64 << 20): Uint8Array => {
      if (fileSize > maxBytes) {
        throw new InitkitError(
          'CPIO_TOO_LARGE',
          `cpio entry ${quoteCpioName(name)} has ${fileSize} bytes, over the ${maxBytes}-byte limit`,
          {
            offset: headerAt,
          },
        );
      }
      const data = new Uint8Array(fileSize);
      const read = this.readAt(data, dataAt, fileSize);
      if (read < fileSize) throw truncated(`cpio data of ${quoteCpioName(name)}`, fileSize, read, dataAt);
      return data;
    };
    return {
      format,
      name,
      nameBytes,
      ...entryHeaderFields(header),
      fileSize,
      offset: headerAt,
      dataOffset: dataAt,
      readData,
    };
  }

  private verifySum(dataAt: number, fileSize: number, check: number, name: string, headerAt: number): void {
    let sum = 0;
    const buffer = new Uint8Array(Math.min(fileSize, 1 << 20));
    for (let done = 0; done < fileSize; ) {
      const count = this.readAt(buffer, dataAt + done, Math.min(buffer.length, fileSize - done));
      if (count === 0) throw truncated(`cpio data of ${quoteCpioName(name)}`, fileSize, done, dataAt);
      sum = cpioChecksum(buffer.subarray(0, count), sum);
      done += count;
    }
    if (sum !== check) {
      throw new InitkitError(
        'CPIO_BAD_CHECKSUM',
        `cpio crc entry ${quoteCpioName(name)}: header check is ${hex32(check)}, data sums to ${hex32(sum)}`,
        { offset: headerAt + 102 },
      );
    }
  }
}
