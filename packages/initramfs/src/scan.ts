/**
 * Splitting an initrd held in memory into members: the walk is member-walk.ts's (the kernel's
 * unpack_to_rootfs order); this adapter decodes each compressed member whole and reads its cpio
 * archives (NUL padding between them allowed), which must end on an entry boundary.
 */
import type { InitkitError } from '@initkit/core';
import { CpioReader, detectCpioFormat, normalizeCpioPath, skipZeroPadding } from '@initkit/cpio';
import { initramfsError } from './errors.js';
import { type InitrdMember, type InitrdSegment, type MemberEntry, toMemberEntry } from './member.js';
import { decodeMemberWhole } from './member-errors.js';
import { MemberList } from './member-list.js';
import { hexBytes, isCpioMagic } from './member-walk.js';

export interface ScanOptions {
  /** Largest decompressed member accepted (default 2 GiB). */
  maxMemberBytes?: number;
  /** Largest decompressed/compressed ratio accepted (default as @initkit/compress). */
  maxRatio?: number;
  /** Most entries per archive. */
  maxEntries?: number;
}

export interface ScanResult {
  members: InitrdMember[];
  segments: InitrdSegment[];
}

/** The normalised path of an entry name, or a typed error naming the member and offset. */
export function entryPath(name: string, absolute: number): string {
  try {
    return normalizeCpioPath(name);
  } catch (error) {
    throw initramfsError('INITRAMFS_BAD_PATH', `entry name ${JSON.stringify(name)} is not a path the tree can hold`, {
      offset: absolute,
      cause: error,
    });
  }
}

/** The error for bytes inside a decompressed member that start no archive (`found` says what they are). */
export function junkInMember(found: string, offset: number | undefined): InitkitError {
  return initramfsError(
    'INITRAMFS_JUNK_IN_MEMBER',
    `expected a cpio archive or NUL padding after the previous archive, ${found}`,
    { offset },
  );
}

/**
 * Reads the cpio archives in `bytes` (a member's uncompressed stream) from `start`: one (`single`, an
 * uncompressed member, which ends past its trailer's padding; the NULs after it are padding the member
 * walk reports) or all until the end (a decompressed member, where the kernel eats the NULs between
 * archives). `errorBase` locates errors in the whole initrd.
 */
export function readArchives(
  bytes: Uint8Array,
  start: number,
  single: boolean,
  options: ScanOptions,
  errorBase: number,
): { entries: MemberEntry[]; archives: number; end: number } {
  const entries: MemberEntry[] = [];
  let position = start;
  let archives = 0;
  while (position < bytes.length) {
    // odc and old binary go on to the reader, which refuses them as the kernel does (one rule on every path).
    if (!isCpioMagic(bytes, position) && detectCpioFormat(bytes, position) === undefined) {
      throw junkInMember(`found bytes ${hexBytes(bytes, position, 8)}`, errorBase + position);
    }
    const reader = new CpioReader(bytes, {
      offset: position,
      baseOffset: errorBase,
      maxEntries: options.maxEntries,
      kernelFormatsOnly: true,
    });
    for (const record of reader) {
      entries.push(
        toMemberEntry(record, {
          path: entryPath(record.name, record.offset),
          size: record.data.length,
          data: record.data,
          archive: archives,
          offset: record.offset - errorBase,
        }),
      );
    }
    archives++;
    if (single) return { entries, archives, end: reader.end };
    position = skipZeroPadding(bytes, reader.end);
  }
  return { entries, archives, end: position };
}

/** Splits an initrd (no uImage header) into its members and padding: the memory adapter of walkMembers. */
export function scanInitrd(bytes: Uint8Array, options: ScanOptions = {}, baseOffset = 0): ScanResult {
  const payload = { length: bytes.length, read: (start: number, end: number) => bytes.subarray(start, end) };
  const list = new MemberList(payload, baseOffset);
  for (let stretch = list.next(); stretch !== undefined; stretch = list.next()) {
    const position = stretch.offset;
    if (stretch.kind === 'archive') {
      const { entries, end } = readArchives(bytes, position, true, options, baseOffset);
      const length = end - position;
      list.add({ length, compression: 'none', uncompressedSize: length, archives: 1, entries });
    } else {
      const decoded = decodeMemberWhole(bytes.subarray(position), stretch.format, options, baseOffset + position);
      const { entries, archives } = readArchives(decoded.output, 0, false, options, 0);
      list.add({
        length: decoded.consumed,
        compression: stretch.format,
        uncompressedSize: decoded.output.length,
        archives,
        entries,
      });
    }
  }
  return { members: list.members, segments: list.segments };
}
