/**
 * Decoding one header of any cpio format from bytes: which format a magic names, the fixed-size
 * fields (hex for newc/crc, octal for odc, 16-bit words for old binary), and the name that follows.
 * Shared by the in-memory reader and the streaming reader; every read is bounds-checked by the caller
 * (it passes at least `headerSize(format)` bytes) and every digit is validated here.
 */
import type { InitkitError } from '@initkit/core';
import { BINARY_HEADER_SIZE, BINARY_MAGIC, type CpioFormat, NEWC_HEADER_SIZE, ODC_HEADER_SIZE } from './constants.js';
import type { CpioHeaderFields } from './entry.js';
import { cpioError } from './errors.js';
import { decodeCpioName } from './name.js';

/** The fixed part of a header, decoded. */
export interface DecodedHeader extends CpioHeaderFields {
  format: CpioFormat;
  fileSize: number;
  /** Bytes of name including its NUL. */
  nameSize: number;
  check: number;
}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX_VALUE[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_VALUE[0x41 + c] = 10 + c;
  HEX_VALUE[0x61 + c] = 10 + c;
}

/** Bytes needed to recognise a format. */
export const MAGIC_SIZE = 6;

/**
 * The format whose magic starts at `position`, or undefined. Needs MAGIC_SIZE bytes (old binary needs
 * only two, but the caller always has six or is at the end of its input).
 */
export function detectFormat(bytes: Uint8Array, position: number): CpioFormat | undefined {
  const b0 = bytes[position];
  const b1 = bytes[position + 1];
  if (b0 === 0xc7 && b1 === 0x71) return 'binary-le';
  if (b0 === 0x71 && b1 === 0xc7) return 'binary-be';
  if (
    b0 === 0x30 &&
    b1 === 0x37 &&
    bytes[position + 2] === 0x30 &&
    bytes[position + 3] === 0x37 &&
    bytes[position + 4] === 0x30
  ) {
    const last = bytes[position + 5];
    if (last === 0x31) return 'newc';
    if (last === 0x32) return 'crc';
    if (last === 0x37) return 'odc';
  }
  return undefined;
}

/**
 * The error for an odc or old-binary header where only the kernel's formats are accepted (the kernel
 * says "incorrect cpio method used: use -H newc option" for odc and finds no cpio magic in binary).
 */
export function notKernelFormat(format: CpioFormat, offset: number): InitkitError {
  const found = format === 'odc' ? 'an odc header (070707)' : `an old binary header (${format})`;
  return cpioError(
    'CPIO_NOT_KERNEL_FORMAT',
    `expected a newc or crc cpio header (070701/070702) as the kernel requires, found ${found}`,
    { offset },
  );
}

export function headerSize(format: CpioFormat): number {
  if (format === 'newc' || format === 'crc') return NEWC_HEADER_SIZE;
  return format === 'odc' ? ODC_HEADER_SIZE : BINARY_HEADER_SIZE;
}

/** Data and the name that precedes it are aligned to this many bytes (relative to the archive start). */
export function alignment(format: CpioFormat): number {
  if (format === 'newc' || format === 'crc') return 4;
  return format === 'odc' ? 1 : 2;
}

/** A readable rendering of up to 16 bytes for error messages. */
export function showBytes(bytes: Uint8Array, position: number, count: number): string {
  let text = '';
  for (let i = position; i < Math.min(bytes.length, position + count); i++) {
    const byte = bytes[i]!;
    text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return JSON.stringify(text);
}

const NEWC_FIELDS = [
  'ino',
  'mode',
  'uid',
  'gid',
  'nlink',
  'mtime',
  'filesize',
  'devmajor',
  'devminor',
  'rdevmajor',
  'rdevminor',
  'namesize',
  'check',
] as const;

function hexField(bytes: Uint8Array, position: number, index: number, absolute: number): number {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const digit = HEX_VALUE[bytes[position + i]!]!;
    if (digit < 0) {
      throw cpioError(
        'CPIO_BAD_HEADER',
        `cpio newc header field ${NEWC_FIELDS[index]}: expected 8 hex digits, found ${showBytes(bytes, position, 8)}`,
        { offset: absolute + i },
      );
    }
    value = value * 16 + digit;
  }
  return value;
}

function octalField(bytes: Uint8Array, position: number, width: number, what: string, absolute: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) {
    const byte = bytes[position + i]!;
    if (byte < 0x30 || byte > 0x37) {
      throw cpioError(
        'CPIO_BAD_HEADER',
        `cpio odc header field ${what}: expected ${width} octal digits, found ${showBytes(bytes, position, width)}`,
        { offset: absolute + i },
      );
    }
    value = value * 8 + (byte - 0x30);
  }
  return value;
}

/** Splits an old 16/18-bit dev_t into major and minor the way glibc's major()/minor() do. */
function splitOldDevice(device: number): [number, number] {
  return [(device >>> 8) & 0xfff, (device & 0xff) | ((device >>> 12) & 0xfff00)];
}

/**
 * Decodes the fixed header at `position` (caller guarantees headerSize(format) bytes are there).
 * `absolute` is the header's absolute offset for error messages.
 */
export function decodeHeader(bytes: Uint8Array, position: number, format: CpioFormat, absolute: number): DecodedHeader {
  if (format === 'newc' || format === 'crc') {
    const field = (index: number) => hexField(bytes, position + 6 + index * 8, index, absolute + 6 + index * 8);
    return {
      format,
      ino: field(0),
      mode: field(1),
      uid: field(2),
      gid: field(3),
      nlink: field(4),
      mtime: field(5),
      fileSize: field(6),
      devMajor: field(7),
      devMinor: field(8),
      rdevMajor: field(9),
      rdevMinor: field(10),
      nameSize: field(11),
      check: field(12),
    };
  }
  if (format === 'odc') {
    const octal = (at: number, width: number, what: string) =>
      octalField(bytes, position + at, width, what, absolute + at);
    const [devMajor, devMinor] = splitOldDevice(octal(6, 6, 'dev'));
    const ino = octal(12, 6, 'ino');
    const mode = octal(18, 6, 'mode');
    const uid = octal(24, 6, 'uid');
    const gid = octal(30, 6, 'gid');
    const nlink = octal(36, 6, 'nlink');
    const [rdevMajor, rdevMinor] = splitOldDevice(octal(42, 6, 'rdev'));
    const mtime = octal(48, 11, 'mtime');
    const nameSize = octal(59, 6, 'namesize');
    const fileSize = octal(65, 11, 'filesize');
    return {
      format,
      ino,
      mode,
      uid,
      gid,
      nlink,
      mtime,
      fileSize,
      devMajor,
      devMinor,
      rdevMajor,
      rdevMinor,
      nameSize,
      check: 0,
    };
  }
  // A DataView rather than core's ByteReader: this runs once per entry of every walk (bench/cpio).
  const view = new DataView(bytes.buffer, bytes.byteOffset + position, BINARY_HEADER_SIZE);
  const littleEndian = format === 'binary-le';
  const word = (index: number) => view.getUint16(index * 2, littleEndian);
  if (word(0) !== BINARY_MAGIC) {
    throw cpioError('CPIO_BAD_MAGIC', 'cpio binary header: bad magic', { offset: absolute });
  }
  const [devMajor, devMinor] = splitOldDevice(word(1));
  const [rdevMajor, rdevMinor] = splitOldDevice(word(7));
  return {
    format,
    devMajor,
    devMinor,
    ino: word(2),
    mode: word(3),
    uid: word(4),
    gid: word(5),
    nlink: word(6),
    rdevMajor,
    rdevMinor,
    mtime: word(8) * 0x10000 + word(9),
    nameSize: word(10),
    fileSize: word(11) * 0x10000 + word(12),
    check: 0,
  };
}

/**
 * Checks and decodes the name of `header`, stored at `position` (caller guarantees nameSize bytes).
 * Returns the raw bytes without the final NUL and the name up to the first NUL (as the kernel and GNU
 * cpio read it) as a lossless string (name.ts: bytes that are not UTF-8 are kept as escapes).
 */
export function decodeName(
  bytes: Uint8Array,
  position: number,
  header: DecodedHeader,
  absolute: number,
): { name: string; nameBytes: Uint8Array } {
  const nameSize = header.nameSize;
  const last = bytes[position + nameSize - 1];
  if (last !== 0) {
    throw cpioError(
      'CPIO_NAME_NOT_TERMINATED',
      `cpio name of ${nameSize} bytes: expected a NUL as its last byte, found ${showBytes(bytes, position + nameSize - 1, 1)}`,
      { offset: absolute + nameSize - 1 },
    );
  }
  const nameBytes = bytes.subarray(position, position + nameSize - 1);
  const firstNul = nameBytes.indexOf(0);
  const name = decodeCpioName(firstNul < 0 ? nameBytes : nameBytes.subarray(0, firstNul));
  return { name, nameBytes };
}

/** Where the namesize field sits in each format's header. */
const NAMESIZE_FIELD_OFFSET: Record<CpioFormat, number> = {
  newc: 94,
  crc: 94,
  odc: 59,
  'binary-le': 20,
  'binary-be': 20,
};

/** Validates a namesize before the name is read. */
export function checkNameSize(header: DecodedHeader, maxNameBytes: number, headerOffset: number): void {
  const absolute = headerOffset + NAMESIZE_FIELD_OFFSET[header.format];
  if (header.nameSize === 0) {
    throw cpioError('CPIO_BAD_NAMESIZE', 'cpio header: namesize is 0, expected at least 1 (the NUL)', {
      offset: absolute,
    });
  }
  if (header.nameSize > maxNameBytes + 1) {
    throw cpioError(
      'CPIO_TOO_LARGE',
      `cpio header: namesize ${header.nameSize} is over the limit of ${maxNameBytes + 1} bytes (maxNameBytes)`,
      { offset: absolute },
    );
  }
}
