/**
 * What an archive entry is: its header fields, name and data, the entry types, and small constructors
 * for building entries by hand (files, directories, symlinks, devices, fifos, sockets, hard links).
 */
import { encodeUtf8 } from '@initkit/core';
import {
  type CpioFormat,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from './constants.js';
import { decodeCpioName, encodeCpioName } from './name.js';

export type CpioEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'char-device'
  | 'block-device'
  | 'fifo'
  | 'socket'
  | 'unknown';

/** The header fields every cpio format carries (newc names; older formats are mapped onto them). */
export interface CpioHeaderFields {
  ino: number;
  /** st_mode: file-type bits and permissions. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Device holding the original file (hard links are identified by device and inode). */
  devMajor: number;
  devMinor: number;
  /** The device a character or block device node stands for. */
  rdevMajor: number;
  rdevMinor: number;
}

/** An entry: header fields, name and data (file contents, or a symlink's target). */
export interface CpioEntry extends CpioHeaderFields {
  /**
   * The name as a lossless string: UTF-8 names as they are, other bytes as escapes (name.ts);
   * `encodeCpioName(name)` gives the stored bytes back. Print it with `escapeCpioName`.
   */
  name: string;
  /** File contents or symlink target; empty for other types. A zero-copy view when read. */
  data: Uint8Array;
}

/** Where an entry came from when it was read from bytes. */
export interface CpioRecord extends CpioEntry {
  format: CpioFormat;
  /** The header's check field (crc format: sum of the data bytes; 0 otherwise). */
  check: number;
  /** The name exactly as stored, without its NUL (names need not be valid UTF-8). */
  nameBytes: Uint8Array;
  /** Absolute offset of the header. */
  offset: number;
  /** Absolute offset of the first data byte. */
  dataOffset: number;
}

/** An entry to write: the name is required; missing fields take defaults (see writer.ts). */
export interface CpioEntryInput extends Partial<CpioHeaderFields> {
  name: string;
  mode: number;
  data?: Uint8Array;
  /** Raw name bytes to write instead of encoding `name`, when they decode to `name` (up to a NUL). */
  nameBytes?: Uint8Array;
}

export function entryType(mode: number): CpioEntryType {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'directory';
    case S_IFLNK:
      return 'symlink';
    case S_IFCHR:
      return 'char-device';
    case S_IFBLK:
      return 'block-device';
    case S_IFIFO:
      return 'fifo';
    case S_IFSOCK:
      return 'socket';
    default:
      return 'unknown';
  }
}

const TYPE_BITS: Record<Exclude<CpioEntryType, 'unknown'>, number> = {
  file: S_IFREG,
  directory: S_IFDIR,
  symlink: S_IFLNK,
  'char-device': S_IFCHR,
  'block-device': S_IFBLK,
  fifo: S_IFIFO,
  socket: S_IFSOCK,
};

/** The file-type bits for a type name. */
export function typeBits(type: Exclude<CpioEntryType, 'unknown'>): number {
  return TYPE_BITS[type];
}

/**
 * A symlink's target as text, losslessly (bytes that are not UTF-8 are kept as escapes: name.ts), from
 * anything that holds its data (a cpio entry, a merged-tree inode); undefined when the data was not kept.
 * gen_init_cpio stores the target with a trailing NUL; the kernel and GNU cpio ignore it, and so does this.
 * The one name for a symlink's target: `linkTarget` here, in listings and in JSON.
 */
export function linkTarget(entry: { data: Uint8Array }): string;
export function linkTarget(entry: { data?: Uint8Array | undefined }): string | undefined;
export function linkTarget(entry: { data?: Uint8Array | undefined }): string | undefined {
  const data = entry.data;
  if (data === undefined) return undefined;
  const end = data.length > 0 && data[data.length - 1] === 0 ? data.length - 1 : data.length;
  return decodeCpioName(data.subarray(0, end));
}

/** @deprecated Use `linkTarget` (one name for a symlink's target across initkit). */
export function symlinkTarget(entry: Pick<CpioEntry, 'data'>): string {
  return linkTarget(entry);
}

/** Owner, time and inode fields shared by the constructors below. */
export type EntryOptions = Partial<Omit<CpioHeaderFields, 'mode' | 'rdevMajor' | 'rdevMinor'>>;

export function fileEntry(
  name: string,
  data: Uint8Array | string,
  mode = 0o644,
  options: EntryOptions = {},
): CpioEntryInput {
  const bytes = typeof data === 'string' ? encodeUtf8(data) : data;
  return { ...options, name, mode: S_IFREG | (mode & 0o7777), data: bytes };
}

export function directoryEntry(name: string, mode = 0o755, options: EntryOptions = {}): CpioEntryInput {
  return { ...options, name, mode: S_IFDIR | (mode & 0o7777) };
}

export function symlinkEntry(name: string, target: string, options: EntryOptions = {}): CpioEntryInput {
  return { ...options, name, mode: S_IFLNK | 0o777, data: encodeCpioName(target) };
}

export function deviceEntry(
  name: string,
  kind: 'char' | 'block',
  rdevMajor: number,
  rdevMinor: number,
  mode = 0o600,
  options: EntryOptions = {},
): CpioEntryInput {
  const bits = kind === 'char' ? S_IFCHR : S_IFBLK;
  return { ...options, name, mode: bits | (mode & 0o7777), rdevMajor, rdevMinor };
}

export function fifoEntry(name: string, mode = 0o644, options: EntryOptions = {}): CpioEntryInput {
  return { ...options, name, mode: S_IFIFO | (mode & 0o7777) };
}

export function socketEntry(name: string, mode = 0o755, options: EntryOptions = {}): CpioEntryInput {
  return { ...options, name, mode: S_IFSOCK | (mode & 0o7777) };
}

/**
 * Entries for one regular file with several names (hard links): they share `ino` (and device), so
 * the writer stores the data once, on the first or the last link as its `hardLinkData` option says.
 */
export function hardLinkEntries(
  names: string[],
  data: Uint8Array | string,
  ino: number,
  mode = 0o644,
  options: EntryOptions = {},
): CpioEntryInput[] {
  const bytes = typeof data === 'string' ? encodeUtf8(data) : data;
  return names.map((name) => ({
    ...options,
    name,
    ino,
    nlink: names.length,
    mode: S_IFREG | (mode & 0o7777),
    data: bytes,
  }));
}
