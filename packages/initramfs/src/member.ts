/**
 * The parts of an initrd as the kernel reads them: NUL padding, uncompressed cpio archives and
 * compressed members, each member with its entries. Plain data, shared by the in-memory reader and
 * the Node streaming reader.
 */
import type { CompressionFormat } from '@initkit/compress';
import type { CpioFormat, CpioHeaderFields } from '@initkit/cpio';

/** One entry of a member: its header, normalised path, size and (when kept) data. */
export interface MemberEntry extends CpioHeaderFields {
  /** The name as stored in the archive. */
  name: string;
  /** The normalised path ('usr/bin/sh', '.' for the root). */
  path: string;
  format: CpioFormat;
  /** Bytes of data (file contents or symlink target). */
  size: number;
  /** The data, unless the reader was told not to keep it. */
  data: Uint8Array | undefined;
  /** Offset of the header: in the initrd for an uncompressed member, in the decompressed stream otherwise. */
  offset: number;
  /** Which archive of the member (from 0) holds the entry: hard links pair up only within one. */
  archive: number;
}

/** A MemberEntry from a cpio record's header fields, plus where the entry sits and what data is kept. */
export function toMemberEntry(
  record: CpioHeaderFields & { name: string; format: CpioFormat },
  place: Pick<MemberEntry, 'path' | 'size' | 'data' | 'offset' | 'archive'>,
): MemberEntry {
  return {
    name: record.name,
    format: record.format,
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
    ...place,
  };
}

/** One member: an uncompressed cpio archive or a compressed stream of archives. */
export interface InitrdMember {
  index: number;
  /** Offset in the initrd (after any uImage header). */
  offset: number;
  /** Bytes the member takes in the initrd. */
  length: number;
  /** 'none' for an uncompressed archive. */
  compression: CompressionFormat;
  /** Bytes of cpio data once decompressed (trailers and padding included). */
  uncompressedSize: number;
  /** TRAILER!!!-terminated archives inside (a compressed member may hold several). */
  archives: number;
  entries: MemberEntry[];
}

/** A stretch of the initrd: padding between members, or a member. */
export type InitrdSegment =
  | { kind: 'padding'; offset: number; length: number }
  | { kind: 'member'; offset: number; length: number; member: number };

/** Decides whether a reader keeps an entry's data; symlink targets are always kept. */
export type KeepData = (path: string, size: number, mode: number) => boolean;
