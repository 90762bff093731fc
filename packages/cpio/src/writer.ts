/**
 * Writing newc and crc archives. `CpioWriter` is the sequential writer: entries go out one at a time
 * (headers built in place, data passed through as zero-copy chunks) to a sink or into one buffer;
 * `writeCpio` plans a whole entry list (plan.ts) and writes it with the trailer and block padding.
 */
import { concatBytes } from '@initkit/core';
import { cpioChecksum } from './checksum.js';
import {
  type CpioWriteFormat,
  CRC_MAGIC,
  NEWC_HEADER_SIZE,
  NEWC_MAGIC,
  S_IFMT,
  S_IFREG,
  TRAILER_NAME,
} from './constants.js';
import type { CpioEntryInput, CpioHeaderFields } from './entry.js';
import { cpioError } from './errors.js';
import { decodeCpioName, quoteCpioName } from './name.js';
import { type PlanOptions, planEntries } from './plan.js';

export interface CpioWriterOptions {
  /** 'newc' (default) or 'crc' (adds the data sum the kernel verifies). */
  format?: CpioWriteFormat;
  /** Receives each chunk as it is produced; without it, `finish()` returns the whole archive. */
  sink?: (chunk: Uint8Array) => void;
  /** Pad the archive after the trailer to a multiple of this (default 512, as GNU cpio and gen_init_cpio). */
  blockSize?: number;
}

/** Everything the writer needs for one header. */
export interface HeaderToWrite extends CpioHeaderFields {
  nameBytes: Uint8Array;
  fileSize: number;
}

const HEX_DIGITS = new TextEncoder().encode('0123456789ABCDEF');
const ZEROS = new Uint8Array(512);

function putHex8(buffer: Uint8Array, position: number, value: number): void {
  let rest = value;
  for (let i = 7; i >= 0; i--) {
    buffer[position + i] = HEX_DIGITS[rest & 15]!;
    rest = Math.floor(rest / 16);
  }
}

const TRAILER_BYTES = new TextEncoder().encode(TRAILER_NAME);

/**
 * One newc/crc header with its name and the NUL padding after it, for an entry starting at `position`
 * bytes into the archive (alignment counts from the archive's first byte).
 */
export function encodeHeader(
  header: HeaderToWrite,
  format: CpioWriteFormat,
  check: number,
  position: number,
): Uint8Array {
  const name = header.nameBytes;
  const nameSize = name.length + 1;
  const unpadded = NEWC_HEADER_SIZE + nameSize;
  const bytes = new Uint8Array(unpadded + ((4 - ((position + unpadded) % 4)) % 4));
  const magic = format === 'crc' ? CRC_MAGIC : NEWC_MAGIC;
  for (let i = 0; i < 6; i++) bytes[i] = magic.charCodeAt(i);
  const fields = [
    header.ino,
    header.mode,
    header.uid,
    header.gid,
    header.nlink,
    header.mtime,
    header.fileSize,
    header.devMajor,
    header.devMinor,
    header.rdevMajor,
    header.rdevMinor,
    nameSize,
    check,
  ];
  for (let i = 0; i < fields.length; i++) putHex8(bytes, 6 + i * 8, fields[i]!);
  bytes.set(name, NEWC_HEADER_SIZE);
  return bytes;
}

/** The TRAILER!!! entry for an archive `position` bytes long, then zeros up to a multiple of `blockSize`. */
export function encodeTrailer(format: CpioWriteFormat, position: number, blockSize: number): Uint8Array {
  const header = encodeHeader(
    {
      ino: 0,
      mode: 0,
      uid: 0,
      gid: 0,
      nlink: 1,
      mtime: 0,
      fileSize: 0,
      devMajor: 0,
      devMinor: 0,
      rdevMajor: 0,
      rdevMinor: 0,
      nameBytes: TRAILER_BYTES,
    },
    format,
    0,
    position,
  );
  const end = position + header.length;
  const padding = blockSize > 1 ? (blockSize - (end % blockSize)) % blockSize : 0;
  if (padding === 0) return header;
  const out = new Uint8Array(header.length + padding);
  out.set(header);
  return out;
}

/** Zero bytes that pad data of `length` bytes to the next multiple of 4. */
export function dataPadding(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** The sequential writer: `add` entries in order, then `finish` writes the trailer and padding. */
export class CpioWriter {
  readonly format: CpioWriteFormat;
  private readonly sink: ((chunk: Uint8Array) => void) | undefined;
  private readonly blockSize: number;
  private readonly chunks: Uint8Array[] = [];
  private finished = false;
  /** Bytes written so far. */
  length = 0;

  constructor(options: CpioWriterOptions = {}) {
    this.format = options.format ?? 'newc';
    if (this.format !== 'newc' && this.format !== 'crc') {
      throw cpioError('CPIO_BAD_OPTION', `cpio writer: format ${String(this.format)} is not newc or crc`);
    }
    this.sink = options.sink;
    this.blockSize = options.blockSize ?? 512;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 0) {
      throw cpioError('CPIO_BAD_OPTION', `cpio writer: block size ${this.blockSize} is not a whole number`);
    }
  }

  private push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.length += chunk.length;
    if (this.sink) this.sink(chunk);
    else this.chunks.push(chunk);
  }

  private pad(alignment: number): void {
    let missing = (alignment - (this.length % alignment)) % alignment;
    while (missing > 0) {
      const step = Math.min(missing, ZEROS.length);
      this.push(ZEROS.subarray(0, step));
      missing -= step;
    }
  }

  /**
   * Writes one entry. `data` must hold `header.fileSize` bytes; for the crc format the check field is
   * computed from it (for regular files; 0 for everything else).
   */
  add(header: HeaderToWrite, data?: Uint8Array): void {
    if (this.finished) throw cpioError('CPIO_WRITER_FINISHED', 'cpio writer: add() after finish()');
    const size = data?.length ?? 0;
    if (size !== header.fileSize) {
      throw cpioError(
        'CPIO_BAD_FIELD',
        `cpio entry ${quoteCpioName(decodeCpioName(header.nameBytes))}: file size ${header.fileSize} but ${size} data bytes`,
      );
    }
    const check =
      this.format === 'crc' && data !== undefined && (header.mode & S_IFMT) === S_IFREG ? cpioChecksum(data) : 0;
    this.writeHeader(header, check);
    if (data !== undefined && data.length > 0) {
      this.push(data);
      this.pad(4);
    }
  }

  private writeHeader(header: HeaderToWrite, check: number): void {
    this.push(encodeHeader(header, this.format, check, this.length));
  }

  /** Writes the trailer and block padding; returns the archive when there is no sink. */
  finish(): Uint8Array {
    if (!this.finished) {
      this.push(encodeTrailer(this.format, this.length, this.blockSize));
      this.finished = true;
    }
    if (this.sink) return new Uint8Array(0);
    return concatBytes(this.chunks, this.length);
  }
}

export interface WriteCpioOptions extends PlanOptions, Omit<CpioWriterOptions, 'sink'> {}

/**
 * One archive from an entry list: planned (defaults, reproducible options, hard links) and written
 * with its trailer. Entries keep their order unless `sort` or `reproducible` is set.
 */
export function writeCpio(entries: readonly CpioEntryInput[], options: WriteCpioOptions = {}): Uint8Array {
  const writer = new CpioWriter(options);
  for (const planned of planEntries(entries, options)) writer.add(planned, planned.data);
  return writer.finish();
}
