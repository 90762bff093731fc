/**
 * The one cpio record walk: magic, fixed header, name, alignment, trailer, limits and the error for
 * each, written once as a generator that yields when it needs bytes that have not arrived (the shape
 * of @initkit/compress's input-queue.ts). Three adapters drive it and so agree on every input: in
 * memory (reader.ts: every byte is there, it never yields), a file (node/file-reader.ts: positioned
 * reads through a window, never yields) and a stream (stream-reader.ts: on a yield it pulls a chunk
 * and resumes). Entry data is not read here: the walk says where it is and each adapter hands it out
 * its own way (a view, a lazy read, chunks), with the shared errors at the bottom of this file.
 */
import { DEFAULT_LIMITS, hex32, type InitkitError } from '@initkit/core';
import { type CpioFormat, isKernelFormat, S_IFMT, S_IFREG, TRAILER_NAME } from './constants.js';
import type { CpioHeaderFields } from './entry.js';
import { cpioError } from './errors.js';
import {
  alignment,
  checkNameSize,
  decodeHeader,
  decodeName,
  detectFormat,
  headerSize,
  MAGIC_SIZE,
  notKernelFormat,
  showBytes,
} from './header.js';
import { quoteCpioName } from './name.js';

/** The bytes a walk reads, whatever holds them. Positions count from the input's first byte. */
export interface WalkInput {
  /**
   * Up to `count` bytes at `position` (a view valid until the next call), fewer when they have not
   * arrived yet or do not exist. The walk never asks for a position before one it asked for earlier.
   */
  peek(position: number, count: number): Uint8Array;
  /** True once every byte has arrived: a short `peek` then means the input ends there. */
  readonly complete: boolean;
  /** The input's length when known up front (memory, file): data is then checked before it is handed out. */
  readonly size: number | undefined;
  /** True when peeked views stay valid (memory): names are then not copied. */
  readonly stable?: boolean;
}

export interface WalkOptions {
  /** Where the (first) archive starts in the input (default 0). */
  start?: number;
  /** Absolute offset of the input's first byte in a larger whole, for error offsets (default 0). */
  baseOffset?: number;
  /** Check the crc format's data sums (default true). */
  verifyChecksums?: boolean;
  /** Fail when the input ends before TRAILER!!! (default true; the kernel itself does not mind). */
  requireTrailer?: boolean;
  /** After a trailer, skip NUL padding and walk the next archive too, until the input ends (default false). */
  concatenated?: boolean;
  /** Most entries per archive (default DEFAULT_LIMITS.maxEntries). */
  maxEntries?: number;
  /** Longest name in bytes, without its NUL (default DEFAULT_LIMITS.maxNameBytes). */
  maxNameBytes?: number;
  /** Refuse odc and old-binary headers as the kernel does (CPIO_NOT_KERNEL_FORMAT; default false). */
  kernelFormatsOnly?: boolean;
}

/** What every reader says about an entry before its data: header fields, name and where it sits. */
export interface CpioRecordHeader extends CpioHeaderFields {
  format: CpioFormat;
  name: string;
  /** The name exactly as stored, without its NUL (names need not be valid UTF-8). */
  nameBytes: Uint8Array;
  /** The header's check field (crc format: sum of the data bytes; 0 otherwise). */
  check: number;
  /** Bytes of data (file contents or symlink target). */
  fileSize: number;
  /** Absolute offset of the header. */
  offset: number;
  /** Absolute offset of the data. */
  dataOffset: number;
}

/** One entry's header as the walk found it; its data lies at `dataAt` (input position) for `fileSize` bytes. */
export interface WalkedRecord extends CpioRecordHeader {
  /** Input position of the data. */
  dataAt: number;
  /** Whether the adapter must sum the data and compare it with `check` (crc format, regular file). */
  verify: boolean;
}

/** What the walk yields when it needs bytes: the adapter makes `walk.need` available, then resumes it. */
export const NEED = Symbol('need');

const NO_BYTES = new Uint8Array(0);

/** A real copy: `slice` on a Node Buffer (what Node streams yield) is a view that pins the whole chunk. */
function copyOf(view: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(view);
}

/** Bytes of NUL padding looked at in one step between concatenated archives. */
const ZERO_SCAN = 4096;

/**
 * The walk's state (what `info()` reports) and its generator. Iterate `records()` once; between steps
 * the fields say where the walk is.
 */
export class CpioWalk {
  private readonly input: WalkInput;
  private readonly baseOffset: number;
  private readonly verifyChecksums: boolean;
  private readonly requireTrailer: boolean;
  private readonly concatenated: boolean;
  private readonly maxEntries: number;
  private readonly maxNameBytes: number;
  private readonly kernelFormatsOnly: boolean;
  /** Input position of the current archive's first byte (alignment counts from there). */
  archiveStart: number;
  /** Input position of the walk: past the trailer and its padding once the walk has finished. */
  position: number;
  /** What the walk waits for after yielding NEED. */
  readonly need = { position: 0, count: 0 };
  format: CpioFormat | undefined;
  kernelCompatible = true;
  /** Input position of the last TRAILER!!! header, or undefined when none was read. */
  trailerPosition: number | undefined;
  /** Archives finished (more than one only with `concatenated`). */
  archives = 0;
  private count = 0;

  constructor(input: WalkInput, options: WalkOptions = {}) {
    this.input = input;
    this.archiveStart = options.start ?? 0;
    this.position = this.archiveStart;
    this.baseOffset = options.baseOffset ?? 0;
    this.verifyChecksums = options.verifyChecksums ?? true;
    this.requireTrailer = options.requireTrailer ?? true;
    this.concatenated = options.concatenated ?? false;
    this.maxEntries = options.maxEntries ?? DEFAULT_LIMITS.maxEntries;
    this.maxNameBytes = options.maxNameBytes ?? DEFAULT_LIMITS.maxNameBytes;
    this.kernelFormatsOnly = options.kernelFormatsOnly ?? false;
  }

  /**
   * Whether the walk must wait for `view` (peeked at `position`) to grow to `count` bytes: it is short
   * and more may come. Then `need` says what to supply and the caller yields NEED. Written as a test
   * the caller loops on, not as a nested generator: a generator per read cost the in-memory reader 4x
   * (bench/cpio, 3,500 entries).
   */
  private waits(view: Uint8Array, position: number, count: number): boolean {
    if (view.length >= count || this.input.complete) return false;
    this.need.position = position;
    this.need.count = count;
    return true;
  }

  private alignUp(position: number, align: number): number {
    if (align === 1) return position;
    const misalignment = (position - this.archiveStart) % align;
    return misalignment === 0 ? position : position + align - misalignment;
  }

  /** Yields each entry's header (and NEED when bytes are missing); returns at the (last) trailer. */
  *records(): Generator<WalkedRecord | typeof NEED, void, void> {
    const base = this.baseOffset;
    const input = this.input;
    for (;;) {
      const headerAt = this.position;
      const absolute = base + headerAt;
      let magic = input.peek(headerAt, MAGIC_SIZE);
      while (this.waits(magic, headerAt, MAGIC_SIZE)) {
        magic = NO_BYTES; // no view of the old chunk across the wait
        yield NEED;
        magic = input.peek(headerAt, MAGIC_SIZE);
      }
      if (magic.length === 0) {
        if (this.requireTrailer && (this.trailerPosition === undefined || this.count > 0 || this.archives === 0)) {
          throw cpioError('CPIO_TRUNCATED', `cpio archive ended without ${TRAILER_NAME}`, { offset: absolute });
        }
        return;
      }
      const format = detectFormat(magic, 0);
      if (format === undefined) throw badMagic(magic, absolute);
      if (this.kernelFormatsOnly && !isKernelFormat(format)) throw notKernelFormat(format, absolute);
      const fixedSize = headerSize(format);
      let fixed = input.peek(headerAt, fixedSize);
      while (this.waits(fixed, headerAt, fixedSize)) {
        fixed = NO_BYTES; // no view of the old chunk across the wait
        yield NEED;
        fixed = input.peek(headerAt, fixedSize);
      }
      if (fixed.length < fixedSize) throw truncated(`cpio ${format} header`, fixedSize, fixed.length, absolute);
      const header = decodeHeader(fixed, 0, format, absolute);
      // Drop views as soon as they are read: across a wait they would pin a stream's old chunk.
      magic = fixed = NO_BYTES;
      checkNameSize(header, this.maxNameBytes, absolute);
      const nameAt = headerAt + fixedSize;
      const nameSize = header.nameSize;
      let nameView = input.peek(nameAt, nameSize);
      while (this.waits(nameView, nameAt, nameSize)) {
        nameView = NO_BYTES; // no view of the old chunk across the wait
        yield NEED;
        nameView = input.peek(nameAt, nameSize);
      }
      if (nameView.length < nameSize) throw truncated('cpio name', nameSize, nameView.length, base + nameAt);
      // A window or chunk may be reused: copy the name's bytes unless the input's views stay valid.
      const { name, nameBytes } = decodeName(input.stable ? nameView : copyOf(nameView), 0, header, base + nameAt);
      nameView = NO_BYTES;
      const align = alignment(format);
      const nameEnd = nameAt + nameSize;
      const dataAt = this.alignUp(nameEnd, align);
      if (dataAt > nameEnd) {
        const padSize = dataAt - nameEnd;
        let padding = input.peek(nameEnd, padSize);
        while (this.waits(padding, nameEnd, padSize)) {
          padding = NO_BYTES; // no view of the old chunk across the wait
          yield NEED;
          padding = input.peek(nameEnd, padSize);
        }
        if (padding.length < padSize) {
          throw truncated(
            `cpio padding after the name ${quoteCpioName(name)}`,
            padSize,
            padding.length,
            base + nameEnd + padding.length,
          );
        }
        padding = NO_BYTES;
      }
      const fileSize = header.fileSize;
      const dataEnd = dataAt + fileSize;
      const size = input.size;
      if (size !== undefined && size < dataEnd) throw dataTruncated(name, fileSize, size - dataAt, base + dataAt);

      this.format ??= format;
      if (!isKernelFormat(format)) this.kernelCompatible = false;

      if (name === TRAILER_NAME) {
        if (fileSize > 0) {
          // A trailer with data (never written, but legal): its last byte must be there.
          let last = input.peek(dataEnd - 1, 1);
          while (this.waits(last, dataEnd - 1, 1)) {
            last = NO_BYTES; // no view of the old chunk across the wait
            yield NEED;
            last = input.peek(dataEnd - 1, 1);
          }
          if (last.length === 0) throw dataTruncated(name, fileSize, -1, base + dataAt);
        }
        yield* this.passPadding(dataEnd, align);
        this.trailerPosition = headerAt;
        this.archives++;
        this.count = 0;
        if (!this.concatenated) return;
        yield* this.skipZeros();
        this.archiveStart = this.position;
        continue;
      }
      this.count++;
      if (this.count > this.maxEntries) {
        throw cpioError('CPIO_TOO_LARGE', `cpio archive has more than ${this.maxEntries} entries (maxEntries)`, {
          offset: absolute,
        });
      }
      this.position = dataEnd;
      yield {
        format,
        name,
        nameBytes,
        ino: header.ino,
        mode: header.mode,
        uid: header.uid,
        gid: header.gid,
        nlink: header.nlink,
        mtime: header.mtime,
        devMajor: header.devMajor,
        devMinor: header.devMinor,
        rdevMajor: header.rdevMajor,
        rdevMinor: header.rdevMinor,
        check: header.check,
        fileSize,
        offset: absolute,
        dataOffset: base + dataAt,
        dataAt,
        verify: this.verifyChecksums && format === 'crc' && (header.mode & S_IFMT) === S_IFREG,
      };
      // Past the data's padding; the end of the input may cut it off. A sized input needs no look.
      const paddedEnd = this.alignUp(dataEnd, align);
      if (size !== undefined) this.position = Math.min(paddedEnd, size);
      else if (paddedEnd > dataEnd) yield* this.passPadding(dataEnd, align);
    }
  }

  /** Moves past the padding after data; the end of the input may cut it off. */
  private *passPadding(dataEnd: number, align: number): Generator<typeof NEED, void, void> {
    const paddedEnd = this.alignUp(dataEnd, align);
    let padding = this.input.peek(dataEnd, paddedEnd - dataEnd);
    while (this.waits(padding, dataEnd, paddedEnd - dataEnd)) {
      padding = NO_BYTES; // no view of the old chunk across the wait
      yield NEED;
      padding = this.input.peek(dataEnd, paddedEnd - dataEnd);
    }
    this.position = dataEnd + padding.length;
  }

  /** Moves past the NUL bytes between concatenated archives (the kernel skips them too). */
  private *skipZeros(): Generator<typeof NEED, void, void> {
    for (;;) {
      let view = this.input.peek(this.position, ZERO_SCAN);
      while (this.waits(view, this.position, ZERO_SCAN)) {
        view = NO_BYTES; // no view of the old chunk across the wait
        yield NEED;
        view = this.input.peek(this.position, ZERO_SCAN);
      }
      const firstNonZero = view.findIndex((byte) => byte !== 0);
      if (firstNonZero >= 0) {
        this.position += firstNonZero;
        return;
      }
      this.position += view.length;
      if (view.length < ZERO_SCAN) return;
    }
  }
}

/** Where a walked archive started and ended. */
export interface CpioArchiveInfo {
  /** Format of the first header. */
  format: CpioFormat | undefined;
  /** False when any header is odc or old binary, which the kernel rejects. */
  kernelCompatible: boolean;
  /** Offset (in the input) of the (last) archive's first header. */
  start: number;
  /** Offset (in the input) just past the trailer and its padding: where whatever follows begins. */
  end: number;
  /** Offset of the TRAILER!!! header, or undefined when the input ended without one. */
  trailerOffset: number | undefined;
}

/** What every reader reports about the archive walked so far: the walk's state, read-only. */
export abstract class WalkedArchive {
  protected abstract readonly walk: CpioWalk;

  /** Where reading stopped (the stream reader counts bytes consumed instead). */
  protected get endPosition(): number {
    return this.walk.position;
  }

  get format(): CpioFormat | undefined {
    return this.walk.format;
  }

  get kernelCompatible(): boolean {
    return this.walk.kernelCompatible;
  }

  /** Offset of the last TRAILER!!! header read. */
  get trailerOffset(): number | undefined {
    return this.walk.trailerPosition;
  }

  info(): CpioArchiveInfo {
    return {
      format: this.walk.format,
      kernelCompatible: this.walk.kernelCompatible,
      start: this.walk.archiveStart,
      end: this.endPosition,
      trailerOffset: this.walk.trailerPosition,
    };
  }
}

/** The record's header part, copied out (what each adapter's entry starts with). */
export function recordHeader(record: WalkedRecord): CpioRecordHeader {
  return {
    format: record.format,
    name: record.name,
    nameBytes: record.nameBytes,
    ino: record.ino,
    mode: record.mode,
    uid: record.uid,
    gid: record.gid,
    nlink: record.nlink,
    mtime: record.mtime,
    devMajor: record.devMajor,
    devMinor: record.devMinor,
    rdevMajor: record.rdevMajor,
    rdevMinor: record.rdevMinor,
    check: record.check,
    fileSize: record.fileSize,
    offset: record.offset,
    dataOffset: record.dataOffset,
  };
}

/** The error for bytes that start no cpio header: a truncation when they are the start of one. */
function badMagic(magic: Uint8Array, offset: number): InitkitError {
  if (magic.length < MAGIC_SIZE && isMagicPrefix(magic)) {
    return truncated('cpio magic', MAGIC_SIZE, magic.length, offset);
  }
  return cpioError(
    'CPIO_BAD_MAGIC',
    `expected a cpio header (070701 newc, 070702 crc), found ${showBytes(magic, 0, MAGIC_SIZE)}`,
    { offset },
  );
}

/** Whether `bytes` (fewer than six) could be the start of 07070x. */
function isMagicPrefix(bytes: Uint8Array): boolean {
  const magic = '07070';
  for (let i = 0; i < bytes.length && i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) return false;
  return true;
}

export function truncated(what: string, needed: number, available: number, offset: number): InitkitError {
  return cpioError('CPIO_TRUNCATED', `${what}: needed ${needed} bytes but only ${available} remain`, { offset });
}

/** The error every adapter throws when an entry's data ends early (`available` < 0: unknown). */
export function dataTruncated(name: string, fileSize: number, available: number, dataOffset: number): InitkitError {
  const what = `cpio data of ${quoteCpioName(name)}`;
  if (available < 0) {
    return cpioError('CPIO_TRUNCATED', `${what}: needed ${fileSize} bytes but the input ended`, {
      offset: dataOffset,
    });
  }
  return truncated(what, fileSize, Math.max(0, available), dataOffset);
}

/** The error every adapter throws when a crc entry's data does not sum to its header's check. */
export function checksumMismatch(record: Pick<WalkedRecord, 'name' | 'check' | 'offset'>, sum: number): InitkitError {
  return cpioError(
    'CPIO_BAD_CHECKSUM',
    `cpio crc entry ${quoteCpioName(record.name)}: header check is ${hex32(record.check)}, data sums to ${hex32(sum)}`,
    { offset: record.offset + 102 },
  );
}

/** The error for asking to hold more of one entry's data in memory than `maxEntryBytes`. */
export function entryTooLarge(record: Pick<WalkedRecord, 'name' | 'fileSize' | 'offset'>, max: number): InitkitError {
  return cpioError(
    'CPIO_TOO_LARGE',
    `cpio entry ${quoteCpioName(record.name)} has ${record.fileSize} bytes, over the ${max}-byte limit (maxEntryBytes)`,
    { offset: record.offset },
  );
}
