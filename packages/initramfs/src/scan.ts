/**
 * Splitting an initrd held in memory into members, the way the kernel's unpack_to_rootfs walks its
 * buffer: NUL bytes are skipped, `0707` at a 4-byte boundary starts an uncompressed archive, anything
 * else must be a compressed member in a format the kernel knows, whose decompressed bytes are cpio
 * archives (NUL padding between them allowed) ending on an entry boundary.
 */
import { type CompressionFormat, decode, detect } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { CpioReader, detectCpioFormat, normalizeCpioPath, skipZeroPadding } from '@initkit/cpio';
import { type InitrdMember, type InitrdSegment, type MemberEntry, toMemberEntry } from './member.js';

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

/** True when a cpio newc/crc magic starts at `offset`. */
export function isCpioMagic(bytes: Uint8Array, offset: number): boolean {
  return (
    bytes.length - offset >= 6 &&
    bytes[offset] === 0x30 &&
    bytes[offset + 1] === 0x37 &&
    bytes[offset + 2] === 0x30 &&
    bytes[offset + 3] === 0x37 &&
    bytes[offset + 4] === 0x30 &&
    (bytes[offset + 5] === 0x31 || bytes[offset + 5] === 0x32)
  );
}

function hexBytes(bytes: Uint8Array, offset: number, count: number): string {
  return Array.from(bytes.subarray(offset, offset + count), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The error for bytes that start no member the kernel accepts. */
export function notAMember(bytes: Uint8Array, offset: number, absolute: number): InitkitError {
  if (bytes[offset] === 0x30 && bytes[offset + 1] === 0x37) {
    if (isCpioMagic(bytes, offset)) {
      return new InitkitError(
        'INITRAMFS_MISALIGNED_ARCHIVE',
        `an uncompressed cpio archive must start on a 4-byte boundary (the kernel rejects it), found one at ${absolute}`,
        { offset: absolute },
      );
    }
    return new InitkitError(
      'INITRAMFS_BAD_MEMBER',
      `expected a newc or crc cpio archive (070701/070702), found ${JSON.stringify(new TextDecoder().decode(bytes.subarray(offset, offset + 6)))} (odc and binary cpio are rejected by the kernel)`,
      { offset: absolute },
    );
  }
  const { format, description } = detect(bytes.subarray(offset, offset + 16));
  const why = format === 'lz4-frame' ? `found ${description}` : `found bytes ${hexBytes(bytes, offset, 8) || '(none)'}`;
  return new InitkitError(
    'INITRAMFS_BAD_MEMBER',
    `expected NUL padding, a cpio archive or a compressed member (gzip, bzip2, lzma, xz, lzo, lz4, zstd), ${why}`,
    { offset: absolute },
  );
}

/** The normalised path of an entry name, or a typed error naming the member and offset. */
export function entryPath(name: string, absolute: number): string {
  try {
    return normalizeCpioPath(name);
  } catch (error) {
    throw new InitkitError('INITRAMFS_BAD_PATH', `entry name ${JSON.stringify(name)} is not a path the tree can hold`, {
      offset: absolute,
      cause: error,
    });
  }
}

/**
 * Reads the cpio archives in `bytes` (a member's uncompressed stream) from `start`. Returns the
 * entries and how many archives there were. `memberOffset` locates errors in the whole initrd.
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
      throw new InitkitError(
        'INITRAMFS_JUNK_IN_MEMBER',
        `expected a cpio archive or NUL padding after the previous archive, found bytes ${hexBytes(bytes, position, 8)}`,
        { offset: errorBase + position },
      );
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
    // The kernel eats the NUL bytes after a trailer; they belong to this archive.
    position = skipZeroPadding(bytes, reader.end);
    if (single) break;
  }
  return { entries, archives, end: position };
}

/** Splits an initrd (no uImage header) into its members and padding. */
export function scanInitrd(bytes: Uint8Array, options: ScanOptions = {}, baseOffset = 0): ScanResult {
  const members: InitrdMember[] = [];
  const segments: InitrdSegment[] = [];
  let position = 0;
  while (position < bytes.length) {
    if (bytes[position] === 0) {
      const end = skipZeroPadding(bytes, position);
      segments.push({ kind: 'padding', offset: position, length: end - position });
      position = end;
      continue;
    }
    if (position % 4 === 0 && isCpioMagic(bytes, position)) {
      const { entries, end } = readArchives(bytes, position, true, options, baseOffset);
      // readArchives skipped the NULs after the trailer: give them back to a padding segment.
      const archiveEnd = lastNonZero(bytes, position, end);
      const member: InitrdMember = {
        index: members.length,
        offset: position,
        length: archiveEnd - position,
        compression: 'none',
        uncompressedSize: archiveEnd - position,
        archives: 1,
        entries,
      };
      segments.push({ kind: 'member', offset: position, length: member.length, member: member.index });
      members.push(member);
      position = archiveEnd;
      continue;
    }
    const format = compressionAt(bytes, position, baseOffset);
    const decoded = decodeMember(bytes, position, format, options, baseOffset);
    const { entries, archives } = readArchives(decoded.output, 0, false, options, 0);
    const member: InitrdMember = {
      index: members.length,
      offset: position,
      length: decoded.consumed,
      compression: format,
      uncompressedSize: decoded.output.length,
      archives,
      entries,
    };
    segments.push({ kind: 'member', offset: position, length: decoded.consumed, member: member.index });
    members.push(member);
    position += decoded.consumed;
  }
  return { members, segments };
}

/**
 * The end of an uncompressed archive: past its trailer and the padding that rounds it to 4 bytes
 * (block padding beyond that is reported as a padding segment).
 */
function lastNonZero(bytes: Uint8Array, start: number, end: number): number {
  let position = end;
  while (position > start && bytes[position - 1] === 0) position--;
  const rounded = start + Math.ceil((position - start) / 4) * 4;
  return Math.min(rounded, end);
}

/** The compression of the member at `position`, or the typed error the kernel's "junk" becomes. */
export function compressionAt(bytes: Uint8Array, position: number, baseOffset = 0): CompressionFormat {
  const { format, kernelSupported } = detect(bytes.subarray(position, position + 16));
  if (format === 'unknown' || format === 'cpio' || format === 'none' || !kernelSupported) {
    throw notAMember(bytes, position, baseOffset + position);
  }
  return format;
}

function decodeMember(
  bytes: Uint8Array,
  position: number,
  format: CompressionFormat,
  options: ScanOptions,
  baseOffset: number,
): { output: Uint8Array; consumed: number } {
  try {
    return decode(bytes.subarray(position), {
      format,
      maxOutputBytes: options.maxMemberBytes,
      maxRatio: options.maxRatio,
    });
  } catch (error) {
    if (error instanceof InitkitError) {
      throw new InitkitError(error.code, `${format} member at ${baseOffset + position}: ${error.message}`, {
        offset: baseOffset + position + (error.offset ?? 0),
        cause: error,
      });
    }
    throw error;
  }
}
