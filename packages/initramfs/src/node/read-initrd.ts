/**
 * Opening an initrd in Node with bounded memory: gzip members (the common case, and Scaleway's) are
 * inflated by node:zlib as a stream and their archives parsed as they arrive, so only the data a caller
 * asks to keep is held; other compressions go through @initkit/compress in memory. The result is the
 * same `Initrd` that `readInitrd` builds.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type CompressionFormat, decode } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { readFileLimited } from '@initkit/core/node';
import { CpioStreamReader, S_IFLNK, S_IFMT, skipZeroPadding } from '@initkit/cpio';
import { type Initrd, mergeMembers, type ReadInitrdOptions } from '../initrd.js';
import type { InitrdMember, InitrdSegment, KeepData, MemberEntry } from '../member.js';
import { compressionAt, entryPath, isCpioMagic, readArchives } from '../scan.js';
import { unwrapInitrd } from '../wrapper.js';
import { releaseDroppedBuffers } from './release-memory.js';

export interface OpenInitrdOptions extends ReadInitrdOptions {
  /** Which files' contents to keep (default: all). Symlink targets are always kept. */
  keepData?: KeepData;
  /** Largest single file whose contents are kept (default 256 MiB). */
  maxFileBytes?: number;
  /** Largest initrd file accepted by openInitrdFile (default 2 GiB). */
  maxInputBytes?: number;
}

const INPUT_CHUNK = 1 << 20;
/** Inflated bytes between two collections of dropped output chunks. */
const RELEASE_EVERY = 2 << 20;

/** Opens an initrd file. */
export async function openInitrdFile(path: string, options: OpenInitrdOptions = {}): Promise<Initrd> {
  const bytes = await readFileLimited(path, options.maxInputBytes);
  try {
    return await openInitrd(bytes, options);
  } catch (error) {
    throw error instanceof InitkitError ? error.withSource(path) : error;
  }
}

/** Opens an initrd held in memory, inflating gzip members as streams. */
export async function openInitrd(bytes: Uint8Array, options: OpenInitrdOptions = {}): Promise<Initrd> {
  const { header, payload, payloadOffset } = unwrapInitrd(bytes, options);
  const keep = options.keepData ?? (() => true);
  const members: InitrdMember[] = [];
  const segments: InitrdSegment[] = [];
  let complete = true;
  const filter = (entry: MemberEntry): MemberEntry => {
    if (entry.data === undefined || (entry.mode & S_IFMT) === S_IFLNK || keep(entry.path, entry.size, entry.mode)) {
      return entry;
    }
    if (entry.size > 0) complete = false;
    return { ...entry, data: undefined };
  };
  let position = 0;
  while (position < payload.length) {
    if (payload[position] === 0) {
      const end = skipZeroPadding(payload, position);
      segments.push({ kind: 'padding', offset: position, length: end - position });
      position = end;
      continue;
    }
    const index = members.length;
    if (position % 4 === 0 && isCpioMagic(payload, position)) {
      const { entries, end } = readArchives(payload, position, true, options, payloadOffset);
      let archiveEnd = end;
      while (archiveEnd > position && payload[archiveEnd - 1] === 0) archiveEnd--;
      archiveEnd = Math.min(position + Math.ceil((archiveEnd - position) / 4) * 4, end);
      const length = archiveEnd - position;
      members.push({
        index,
        offset: position,
        length,
        compression: 'none',
        uncompressedSize: length,
        archives: 1,
        entries: entries.map(filter),
      });
      segments.push({ kind: 'member', offset: position, length, member: index });
      position = archiveEnd;
      continue;
    }
    const format = compressionAt(payload, position, payloadOffset);
    let member: InitrdMember;
    if (format === 'gzip') {
      const streamed = await streamGzipMember(payload.subarray(position), payloadOffset + position, keep, options);
      if (!streamed.complete) complete = false;
      member = { index, offset: position, length: streamed.consumed, compression: format, ...streamed.member };
    } else {
      const decoded = decodeMember(payload, position, format, options, payloadOffset);
      const { entries, archives } = readArchives(decoded.output, 0, false, options, 0);
      member = {
        index,
        offset: position,
        length: decoded.consumed,
        compression: format,
        uncompressedSize: decoded.output.length,
        archives,
        entries: entries.map((entry) => copyKept(filter(entry))),
      };
    }
    members.push(member);
    segments.push({ kind: 'member', offset: position, length: member.length, member: index });
    position += member.length;
  }
  return {
    bytes,
    wrapper: header,
    payload,
    payloadOffset,
    members,
    segments,
    tree: mergeMembers(members),
    complete,
  };
}

/** Kept data of a decoded member is copied so the whole decoded buffer can be freed. */
function copyKept(entry: MemberEntry): MemberEntry {
  return entry.data === undefined ? entry : { ...entry, data: entry.data.slice() };
}

function decodeMember(
  payload: Uint8Array,
  position: number,
  format: CompressionFormat,
  options: OpenInitrdOptions,
  payloadOffset: number,
): { output: Uint8Array; consumed: number } {
  try {
    return decode(payload.subarray(position), {
      format,
      maxOutputBytes: options.maxMemberBytes,
      maxRatio: options.maxRatio,
    });
  } catch (error) {
    if (error instanceof InitkitError) {
      throw new InitkitError(error.code, `${format} member at ${payloadOffset + position}: ${error.message}`, {
        offset: payloadOffset + position + (error.offset ?? 0),
        cause: error,
      });
    }
    throw error;
  }
}

interface StreamedMember {
  member: Pick<InitrdMember, 'uncompressedSize' | 'archives' | 'entries'>;
  consumed: number;
  complete: boolean;
}

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += INPUT_CHUNK) yield bytes.subarray(offset, offset + INPUT_CHUNK);
}

/** Inflates one gzip member (node:zlib stops at its end) and reads its archives as they come. */
async function streamGzipMember(
  input: Uint8Array,
  absoluteOffset: number,
  keep: KeepData,
  options: OpenInitrdOptions,
): Promise<StreamedMember> {
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  const feeding = pipeline(Readable.from(chunksOf(input), { objectMode: false }), gunzip);
  const reader = new CpioStreamReader(gunzip, { concatenated: true, maxEntries: options.maxEntries });
  const maxFileBytes = options.maxFileBytes ?? 256 << 20;
  const maxOutput = options.maxMemberBytes ?? Number.POSITIVE_INFINITY;
  const entries: MemberEntry[] = [];
  let complete = true;
  let released = 0;
  try {
    for await (const record of reader) {
      if (reader.position - released > RELEASE_EVERY) {
        released = reader.position;
        releaseDroppedBuffers();
      }
      if (reader.position > maxOutput) {
        throw new InitkitError(
          'INITRAMFS_MEMBER_TOO_LARGE',
          `gzip member at ${absoluteOffset} decompresses to more than ${maxOutput} bytes (maxMemberBytes)`,
          { offset: absoluteOffset },
        );
      }
      const path = entryPath(record.name, record.offset);
      const kept = (record.mode & S_IFMT) === S_IFLNK || keep(path, record.fileSize, record.mode);
      let data: Uint8Array | undefined;
      if (kept) {
        const bytes = await record.bytes(maxFileBytes);
        // A view into a large inflate chunk would keep the whole chunk alive: copy it.
        data = bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      } else if (record.fileSize > 0) complete = false;
      entries.push({
        name: record.name,
        path,
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
        size: record.fileSize,
        data,
        offset: record.offset,
        archive: reader.archives,
      });
    }
    // node:zlib stops at the end of the gzip data and closes early when other members follow.
    await feeding.catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    });
  } catch (error) {
    gunzip.destroy();
    await feeding.catch(() => {});
    throw wrapStreamError(error, absoluteOffset);
  }
  return {
    member: { uncompressedSize: reader.position, archives: reader.archives, entries },
    consumed: gunzip.bytesWritten,
    complete,
  };
}

function wrapStreamError(error: unknown, absoluteOffset: number): unknown {
  if (error instanceof InitkitError) {
    return new InitkitError(error.code, `gzip member at ${absoluteOffset}: ${error.message}`, {
      offset: error.offset,
      cause: error,
    });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new InitkitError('INITRAMFS_BAD_GZIP', `gzip member at ${absoluteOffset}: ${(error as Error).message}`, {
      offset: absoluteOffset,
      cause: error,
    });
  }
  return error;
}
