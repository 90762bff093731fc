/**
 * Reading an archive held in memory: a cursor that yields one record per entry (data as zero-copy
 * views), verifies crc checksums, stops at TRAILER!!! and reports where the archive ended, so a
 * caller holding a larger buffer (an initrd: archives, NUL padding, compressed members) can go on
 * from there. Alignment is counted from the archive's first byte.
 */
import { DEFAULT_LIMITS, hex32, InitkitError } from '@initkit/core';
import { cpioChecksum } from './checksum.js';
import { type CpioFormat, isKernelFormat, TRAILER_NAME } from './constants.js';
import type { CpioRecord } from './entry.js';
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

export interface ReadCpioOptions {
  /** Where the archive starts in `bytes` (default 0). */
  offset?: number;
  /** Absolute position of `bytes[0]` in a larger input, for error offsets (default 0). */
  baseOffset?: number;
  /** Check the crc format's data sums (default true). */
  verifyChecksums?: boolean;
  /** Fail when the input ends before TRAILER!!! (default true; the kernel itself does not mind). */
  requireTrailer?: boolean;
  /** Most entries to accept (default DEFAULT_LIMITS.maxEntries). */
  maxEntries?: number;
  /** Longest name in bytes, without its NUL (default DEFAULT_LIMITS.maxNameBytes). */
  maxNameBytes?: number;
  /** Refuse odc and old-binary headers as the kernel does (CPIO_NOT_KERNEL_FORMAT; default false). */
  kernelFormatsOnly?: boolean;
}

export interface CpioArchiveInfo {
  /** Format of the first header. */
  format: CpioFormat | undefined;
  /** False when any header is odc or old binary, which the kernel rejects. */
  kernelCompatible: boolean;
  /** Offset (in `bytes`) of the first header. */
  start: number;
  /** Offset (in `bytes`) just past the trailer and its padding: where whatever follows begins. */
  end: number;
  /** Offset of the TRAILER!!! header, or undefined when the input ended without one. */
  trailerOffset: number | undefined;
}

export interface CpioReadResult extends CpioArchiveInfo {
  entries: CpioRecord[];
}

/**
 * A cursor over one archive in `bytes`. Iterate it (or call `next()`) for the entries; after the
 * last one, `end` says where the archive stopped.
 */
export class CpioReader implements Iterable<CpioRecord> {
  readonly bytes: Uint8Array;
  readonly start: number;
  private readonly baseOffset: number;
  private readonly verifyChecksums: boolean;
  private readonly requireTrailer: boolean;
  private readonly maxEntries: number;
  private readonly maxNameBytes: number;
  private readonly kernelFormatsOnly: boolean;
  private position: number;
  private done = false;
  private count = 0;
  format: CpioFormat | undefined;
  kernelCompatible = true;
  trailerOffset: number | undefined;

  constructor(bytes: Uint8Array, options: ReadCpioOptions = {}) {
    this.bytes = bytes;
    this.start = options.offset ?? 0;
    if (!Number.isInteger(this.start) || this.start < 0 || this.start > bytes.length) {
      throw new RangeError(`offset ${this.start} is outside the ${bytes.length}-byte input`);
    }
    this.position = this.start;
    this.baseOffset = options.baseOffset ?? 0;
    this.verifyChecksums = options.verifyChecksums ?? true;
    this.requireTrailer = options.requireTrailer ?? true;
    this.maxEntries = options.maxEntries ?? DEFAULT_LIMITS.maxEntries;
    this.maxNameBytes = options.maxNameBytes ?? DEFAULT_LIMITS.maxNameBytes;
    this.kernelFormatsOnly = options.kernelFormatsOnly ?? false;
  }

  /** Offset in `bytes` where reading stopped: past the trailer once iteration has finished. */
  get end(): number {
    return this.position;
  }

  get finished(): boolean {
    return this.done;
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

  [Symbol.iterator](): Iterator<CpioRecord> {
    return {
      next: () => {
        const record = this.next();
        return record === undefined ? { done: true, value: undefined } : { done: false, value: record };
      },
    };
  }

  /** The next entry, or undefined at the trailer (or at the end of input when no trailer is required). */
  next(): CpioRecord | undefined {
    if (this.done) return undefined;
    const bytes = this.bytes;
    const headerAt = this.position;
    const absolute = this.baseOffset + headerAt;
    if (headerAt === bytes.length) {
      this.done = true;
      if (this.requireTrailer) {
        throw new InitkitError('CPIO_TRUNCATED', `cpio archive ended without ${TRAILER_NAME}`, { offset: absolute });
      }
      return undefined;
    }
    const format = detectFormat(bytes, headerAt);
    if (format === undefined) {
      if (bytes.length - headerAt < MAGIC_SIZE && isMagicPrefix(bytes, headerAt)) {
        throw truncated('cpio magic', MAGIC_SIZE, bytes.length - headerAt, absolute);
      }
      throw new InitkitError(
        'CPIO_BAD_MAGIC',
        `expected a cpio header (070701 newc, 070702 crc), found ${showBytes(bytes, headerAt, 6)}`,
        { offset: absolute },
      );
    }
    if (this.kernelFormatsOnly && !isKernelFormat(format)) throw notKernelFormat(format, absolute);
    const fixedSize = headerSize(format);
    if (bytes.length - headerAt < fixedSize) {
      throw truncated(`cpio ${format} header`, fixedSize, bytes.length - headerAt, absolute);
    }
    const header = decodeHeader(bytes, headerAt, format, absolute);
    checkNameSize(header, this.maxNameBytes, absolute);
    const nameAt = headerAt + fixedSize;
    if (bytes.length - nameAt < header.nameSize) {
      throw truncated('cpio name', header.nameSize, bytes.length - nameAt, this.baseOffset + nameAt);
    }
    const { name, nameBytes } = decodeName(bytes, nameAt, header, this.baseOffset + nameAt);
    const align = alignment(format);
    const dataAt = this.alignUp(nameAt + header.nameSize, align);
    if (dataAt > bytes.length || bytes.length - dataAt < header.fileSize) {
      const available = Math.max(0, bytes.length - dataAt);
      throw truncated(`cpio data of ${quoteCpioName(name)}`, header.fileSize, available, this.baseOffset + dataAt);
    }
    const data = bytes.subarray(dataAt, dataAt + header.fileSize);
    const next = this.alignUp(dataAt + header.fileSize, align);
    // The padding after the last entry may be cut off by the end of the input; the data itself is whole.
    this.position = Math.min(next, bytes.length);

    this.format ??= format;
    if (!isKernelFormat(format)) this.kernelCompatible = false;

    if (name === TRAILER_NAME) {
      this.trailerOffset = headerAt;
      this.done = true;
      return undefined;
    }
    this.count++;
    if (this.count > this.maxEntries) {
      throw new InitkitError('CPIO_TOO_MANY_ENTRIES', `cpio archive has more than ${this.maxEntries} entries`, {
        offset: absolute,
      });
    }
    if (format === 'crc' && this.verifyChecksums && (header.mode & 0o170000) === 0o100000) {
      const sum = cpioChecksum(data);
      if (sum !== header.check) {
        throw new InitkitError(
          'CPIO_BAD_CHECKSUM',
          `cpio crc entry ${quoteCpioName(name)}: header check is ${hex32(header.check)}, data sums to ${hex32(sum)}`,
          { offset: absolute + 102 },
        );
      }
    }
    return {
      format,
      name,
      nameBytes,
      ...entryHeaderFields(header),
      data,
      offset: absolute,
      dataOffset: this.baseOffset + dataAt,
    };
  }

  private alignUp(position: number, align: number): number {
    if (align === 1) return position;
    const misalignment = (position - this.start) % align;
    return misalignment === 0 ? position : position + align - misalignment;
  }
}

function isMagicPrefix(bytes: Uint8Array, position: number): boolean {
  const magic = '07070';
  for (let i = position; i < bytes.length; i++) {
    if (i - position < magic.length && bytes[i] !== magic.charCodeAt(i - position)) return false;
  }
  return true;
}

function truncated(what: string, needed: number, available: number, offset: number): InitkitError {
  return new InitkitError('CPIO_TRUNCATED', `${what}: needed ${needed} bytes but only ${available} remain`, {
    offset,
  });
}

/** Reads one whole archive starting at `options.offset`: every entry and where the archive ended. */
export function readCpio(bytes: Uint8Array, options: ReadCpioOptions = {}): CpioReadResult {
  const reader = new CpioReader(bytes, options);
  const entries: CpioRecord[] = [];
  for (const record of reader) entries.push(record);
  return { ...reader.info(), entries };
}

/**
 * The offset of the first non-NUL byte at or after `offset`: the kernel skips NUL padding between the
 * archives of an initrd (GNU cpio pads each to 512 bytes).
 */
export function skipZeroPadding(bytes: Uint8Array, offset: number): number {
  let position = offset;
  while (position < bytes.length && bytes[position] === 0) position++;
  return position;
}
