/**
 * Opening an initrd in Node with bounded memory. A file is read piece by piece, never whole: gzip
 * members (the common case, and Scaleway's) are inflated by node:zlib as a stream, xz, lzma and zstd
 * members decoded as streams by @initkit/compress (zstd by node:zlib where the runtime has it), and
 * their archives parsed as they arrive; uncompressed archives are parsed as they are read, and only the
 * file contents a caller asks to keep are held. bzip2, lzo and lz4 members are decoded in memory. A wrapped
 * initrd's data CRC is checked in a pass of its own. The result is the same `Initrd` `readInitrd`
 * builds, without `bytes` and `payload`: its `readPayload` reads the file again when a writer copies
 * the original.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createGunzip, type Gunzip } from 'node:zlib';
import { type CompressionFormat, decodeStreamExtent, STREAMING_FORMATS } from '@initkit/compress';
import { DEFAULT_LIMITS, InitkitError } from '@initkit/core';
import { initramfsError } from '../errors.js';
import { heldInitrd, type Initrd, mergeMembers, type ReadInitrdOptions } from '../initrd.js';
import type { InitrdMember, InitrdSegment, KeepData } from '../member.js';
import { decodeMemberWhole, namedDecodeErrors } from '../member-errors.js';
import { MemberList, type MemberRead } from '../member-list.js';
import type { PayloadReader } from '../member-walk.js';
import { readInitrdHead } from '../open-source.js';
import { readStreamedArchives, type StreamedArchives } from '../stream-archives.js';
import { unwrapInitrd } from '../wrapper.js';
import { releaseDroppedBuffers } from './release-memory.js';

export interface OpenInitrdOptions extends ReadInitrdOptions {
  /** Which files' contents to keep (default: all). Symlink targets are always kept. */
  keepData?: KeepData;
  /** Largest single file whose contents are kept (default DEFAULT_LIMITS.maxFileBytes, 256 MiB). */
  maxFileBytes?: number;
  /** Largest initrd file accepted by openInitrdFile (default 2 GiB). */
  maxInputBytes?: number;
  /** Called as the payload is read: bytes done and the payload's length. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Bytes read from the file at a time. Small on purpose: each piece is a fresh array that a decoder may
 * hold (and xz copies it onto what it holds back), and arrays past malloc's 128 KiB mmap threshold are
 * mapped and faulted in afresh: 64 KiB instead of 512 KiB lowered the peak RSS of listing the 88 MiB
 * xz variant by 11-12 MiB and the zstd one by 2-6 MiB (bench/RESULTS, issue 19).
 */
const PIECE = 1 << 16;
/** Inflated bytes between two collections of dropped output chunks. */
const RELEASE_EVERY = 2 << 20;

/** Where the payload's bytes come from: memory, or a file read at an offset. */
interface PayloadSource extends PayloadReader {
  /** Pieces of start..end, each a new array or view (they may be held by a consumer). */
  pieces(start: number, end: number): Generator<Uint8Array>;
}

function memorySource(payload: Uint8Array): PayloadSource {
  return {
    length: payload.length,
    read: (start, end) => payload.subarray(start, end),
    *pieces(start, end) {
      for (let at = start; at < end; at += PIECE) yield payload.subarray(at, Math.min(at + PIECE, end));
    },
  };
}

function readFully(fd: number, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const count = readSync(fd, target, done, target.length - done, position + done);
    if (count === 0) {
      throw initramfsError(
        'INITRAMFS_TRUNCATED',
        `the file ended at ${position + done}, expected ${target.length - done} more bytes`,
        {
          offset: position + done,
        },
      );
    }
    done += count;
  }
}

function fileSource(fd: number, payloadOffset: number, length: number): PayloadSource {
  const read = (start: number, end: number, target?: Uint8Array): Uint8Array => {
    const bytes =
      target && target.length >= end - start ? target.subarray(0, end - start) : new Uint8Array(end - start);
    readFully(fd, bytes, payloadOffset + start);
    return bytes;
  };
  return {
    length,
    read,
    *pieces(start, end) {
      for (let at = start; at < end; at += PIECE) yield read(at, Math.min(at + PIECE, end));
    },
  };
}

/** Opens an initrd file, reading it piece by piece. */
export async function openInitrdFile(path: string, options: OpenInitrdOptions = {}): Promise<Initrd> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = readInitrdHead({ size, read: fileSource(fd, 0, size).read }, options);
    const { payloadOffset, payloadLength } = head;
    const source = fileSource(fd, payloadOffset, payloadLength);
    const scanned = await scanSource(source, payloadOffset, options);
    return {
      ...head,
      readPayload: (start, end, target) => {
        const again = openSync(path, 'r');
        try {
          return fileSource(again, payloadOffset, payloadLength).read(start, end, target);
        } finally {
          closeSync(again);
        }
      },
      ...scanned,
    };
  } catch (error) {
    throw error instanceof InitkitError ? error.withSource(path) : error;
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens an initrd held in memory, inflating gzip members as streams (and keeping only what is asked).
 * @deprecated Use `parseInitrd(bytes)` for bytes in memory or `openInitrdFile(path)` for a file: one
 * way to open each.
 */
export async function openInitrd(bytes: Uint8Array, options: OpenInitrdOptions = {}): Promise<Initrd> {
  const unwrapped = unwrapInitrd(bytes, options);
  return heldInitrd(
    bytes,
    unwrapped,
    await scanSource(memorySource(unwrapped.payload), unwrapped.payloadOffset, options),
  );
}

interface Scanned {
  members: InitrdMember[];
  segments: InitrdSegment[];
  tree: Initrd['tree'];
  complete: boolean;
}

/** Reads the members walkMembers finds, streaming each one. */
async function scanSource(source: PayloadSource, payloadOffset: number, options: OpenInitrdOptions): Promise<Scanned> {
  const keep = options.keepData ?? (() => true);
  let complete = true;
  const list = new MemberList(source, payloadOffset);
  for (let stretch = list.next(); stretch !== undefined; stretch = list.next()) {
    const position = stretch.offset;
    const absolute = payloadOffset + position;
    let member: MemberRead;
    if (stretch.kind === 'archive') {
      const progress = options.onProgress;
      const read = await readArchivesReleasing(source.pieces(position, source.length), absolute, false, keep, {
        ...options,
        onProgress: progress && ((done) => progress(position + done, source.length)),
      });
      member = {
        length: read.end,
        compression: 'none',
        uncompressedSize: read.end,
        archives: read.archives,
        // Offsets of uncompressed members count in the initrd, as readInitrd reports them.
        entries: read.entries.map((entry) => ({ ...entry, offset: entry.offset + position })),
      };
      if (!read.complete) complete = false;
    } else {
      const format = stretch.format;
      if (format === 'gzip' || STREAMING_FORMATS.includes(format)) {
        const pieces = source.pieces(position, source.length);
        const streamed =
          format === 'gzip'
            ? await streamGzipMember(pieces, absolute, keep, options)
            : await streamDecodedMember(pieces, format, absolute, keep, options);
        if (!streamed.complete) complete = false;
        member = { length: streamed.consumed, compression: format, ...streamed.member };
      } else {
        // bzip2, lzo and lz4 have no streaming decoder here: decoded whole (rare in initrds).
        const decoded = decodeMemberWhole(source.read(position, source.length), format, options, absolute);
        const read = await readArchivesReleasing([decoded.output], absolute, true, keep, options);
        if (!read.complete) complete = false;
        member = {
          length: decoded.consumed,
          compression: format,
          uncompressedSize: decoded.output.length,
          archives: read.archives,
          entries: read.entries,
        };
      }
    }
    list.add(member);
    options.onProgress?.(position + member.length, source.length);
  }
  const { members, segments } = list;
  return { members, segments, tree: mergeMembers(members), complete };
}

/**
 * Reads cpio archives from a stream: one (an uncompressed member) or all until the stream ends (a
 * decompressed member), keeping the data `keep` accepts. Dropped decoder chunks are released as it goes.
 */
function readArchivesReleasing(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  absolute: number,
  concatenated: boolean,
  keep: KeepData,
  options: OpenInitrdOptions,
): Promise<StreamedArchives> {
  let released = 0;
  return readStreamedArchives(stream, absolute, {
    concatenated,
    keep,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes,
    maxEntries: options.maxEntries,
    maxMemberBytes: options.maxMemberBytes,
    onPosition: (position) => {
      if (position - released <= RELEASE_EVERY) return;
      released = position;
      releaseDroppedBuffers();
      options.onProgress?.(position, 0);
    },
  });
}

interface StreamedMember {
  member: Pick<InitrdMember, 'uncompressedSize' | 'archives' | 'entries'>;
  consumed: number;
  complete: boolean;
}

/**
 * Decodes one xz, lzma or zstd member as a stream (zstd through node:zlib where the runtime has it) and
 * reads its archives as the chunks come: memory holds the format's window and the kept data, never the
 * member, and the size limit acts while decoding.
 */
async function streamDecodedMember(
  pieces: Iterable<Uint8Array>,
  format: CompressionFormat,
  absolute: number,
  keep: KeepData,
  options: OpenInitrdOptions,
): Promise<StreamedMember> {
  const decoding = decodeStreamExtent(pieces, format, {
    maxOutputBytes: options.maxMemberBytes,
    maxRatio: options.maxRatio,
    // The cpio reader copies what it keeps before it asks for the next chunk.
    reuseChunks: true,
  });
  const chunks = namedDecodeErrors(decoding.chunks, format, absolute);
  const read = await readArchivesReleasing(chunks, absolute, true, keep, options);
  return {
    member: { uncompressedSize: read.end, archives: read.archives, entries: read.entries },
    consumed: decoding.consumed(),
    complete: read.complete,
  };
}

/** Inflates one gzip member (node:zlib stops at its end) and reads its archives as they come. */
async function streamGzipMember(
  pieces: Iterable<Uint8Array>,
  absolute: number,
  keep: KeepData,
  options: OpenInitrdOptions,
): Promise<StreamedMember> {
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  const feeding = feedInflater(pieces, gunzip);
  let read: StreamedArchives;
  const progress = options.onProgress;
  try {
    read = await readArchivesReleasing(gunzip, absolute, true, keep, {
      ...options,
      onProgress: progress && (() => progress(gunzip.bytesWritten, 0)),
    });
    await feeding;
  } catch (error) {
    gunzip.destroy();
    await feeding.catch(() => {});
    throw wrapZlibError(error, absolute);
  }
  return {
    member: { uncompressedSize: read.end, archives: read.archives, entries: read.entries },
    consumed: gunzip.bytesWritten,
    complete: read.complete,
  };
}

/**
 * Writes the pieces into the inflater until it stops taking input (its gzip data ended and what follows
 * is not another gzip member, such as NUL padding) or they run out, then ends it. Never destroys it: a
 * pipeline would, racing the reader still draining its output (an AbortError that lost entries).
 */
async function feedInflater(pieces: Iterable<Uint8Array>, gunzip: Gunzip): Promise<void> {
  let fed = 0;
  for (const piece of pieces) {
    if (gunzip.destroyed) return;
    fed += piece.length;
    await new Promise<void>((resolve, reject) => {
      gunzip.write(piece, (error) => (error ? reject(error) : resolve()));
    });
    if (gunzip.bytesWritten < fed) break;
  }
  if (!gunzip.destroyed) gunzip.end();
}

function wrapZlibError(error: unknown, absolute: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return initramfsError('INITRAMFS_BAD_GZIP', `gzip member at ${absolute}: ${(error as Error).message}`, {
      offset: absolute,
      cause: error,
    });
  }
  return error;
}
