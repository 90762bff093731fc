/**
 * Opening an initrd from any source that can be read by position (a browser File through
 * FileReaderSync, a file, memory) with bounded memory and no `node:` import: the member walk is
 * member-walk.ts's, gzip, xz, lzma and zstd members are decoded as streams by @initkit/compress and
 * their archives read as the chunks come, and only the file contents `keepData` accepts are held.
 * Contents not kept are read back later by `readEntryData`, which decodes their member again.
 */
import { type CompressionFormat, decodeStreamExtent, STREAMING_FORMATS } from '@initkit/compress';
import { checkLimit, crc32, DEFAULT_LIMITS } from '@initkit/core';
import { CpioStreamReader } from '@initkit/cpio';
import { isUImage, parseHeader, UIMAGE_HEADER_SIZE } from '@initkit/uimage';
import { initramfsError } from './errors.js';
import { type Initrd, mergeMembers, type ReadInitrdOptions } from './initrd.js';
import type { KeepData, MemberEntry } from './member.js';
import { decodeMemberWhole, namedDecodeErrors } from './member-errors.js';
import { MemberList } from './member-list.js';
import { readStreamedArchives, type StreamedArchives } from './stream-archives.js';
import type { DataSource } from './tree.js';
import { checkPayloadCrc, checkWrappedSize, verifiesChecksums } from './wrapper.js';

/** A whole initrd file, read by position: `read` returns bytes start..end (into `target` when it fits). */
export interface InitrdSource {
  size: number;
  read(start: number, end: number, target?: Uint8Array): Uint8Array;
}

export interface OpenInitrdSourceOptions extends ReadInitrdOptions {
  /** Which files' contents to keep (default: none). Symlink targets are always kept. */
  keepData?: KeepData;
  /** Largest single file whose contents are kept or read back (default DEFAULT_LIMITS.maxFileBytes, 256 MiB). */
  maxFileBytes?: number;
  /** Largest file accepted (default 2 GiB). */
  maxInputBytes?: number;
  /**
   * Bytes of the file read so far, as they are read: first the data CRC check of a wrapped initrd
   * (`checksum`), then the members, each as its decoder takes it in (`members`).
   */
  onProgress?: (done: number, total: number, phase: 'checksum' | 'members') => void;
}

/** Bytes read from the source at a time: what the decoders hold of the input. */
const PIECE = 1 << 19;

/** Pieces of bytes start..end of the source, each a new array (a decoder may hold one across pieces). */
function* pieces(source: InitrdSource, start: number, end: number, onRead?: (at: number) => void) {
  for (let at = start; at < end; at += PIECE) {
    const next = Math.min(at + PIECE, end);
    const piece = source.read(at, next);
    onRead?.(next);
    yield piece;
  }
}

/** Opens an initrd from `source`, streaming each member; the result has no `bytes` or `payload`. */
export async function openInitrdSource(source: InitrdSource, options: OpenInitrdSourceOptions = {}): Promise<Initrd> {
  const { size } = source;
  const head = readInitrdHead(source, options, options.onProgress);
  const { payloadOffset } = head;
  const payload = {
    length: head.payloadLength,
    read: (start: number, end: number, target?: Uint8Array) =>
      source.read(payloadOffset + start, payloadOffset + end, target),
  };
  const keep = options.keepData ?? (() => false);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes;
  const onRead = options.onProgress && ((at: number) => options.onProgress!(at, size, 'members'));
  let complete = true;
  const list = new MemberList(payload, payloadOffset);
  for (let stretch = list.next(); stretch !== undefined; stretch = list.next()) {
    const position = stretch.offset;
    const absolute = payloadOffset + position;
    const format: CompressionFormat = stretch.kind === 'archive' ? 'none' : stretch.format;
    const read = await readMember(source, absolute, format, { options, keep, maxFileBytes, onRead });
    if (!read.complete) complete = false;
    list.add({
      length: read.length,
      compression: format,
      uncompressedSize: read.uncompressedSize,
      archives: read.archives,
      // Offsets of uncompressed members count in the payload, as parseInitrd reports them.
      entries:
        format === 'none' ? read.entries.map((entry) => ({ ...entry, offset: entry.offset + position })) : read.entries,
    });
    onRead?.(absolute + read.length);
  }
  return {
    ...head,
    readPayload: (start, end, target) => payload.read(start, end, target),
    members: list.members,
    segments: list.segments,
    tree: mergeMembers(list.members),
    complete,
  };
}

interface MemberRead {
  entries: MemberEntry[];
  archives: number;
  length: number;
  uncompressedSize: number;
  complete: boolean;
}

interface ReadContext {
  options: OpenInitrdSourceOptions;
  keep: KeepData;
  maxFileBytes: number;
  onRead: ((at: number) => void) | undefined;
}

/** The member at `absolute` (in the file): its cpio stream, decoded as it is read when the format streams. */
async function readMember(
  source: InitrdSource,
  absolute: number,
  format: CompressionFormat,
  context: ReadContext,
): Promise<MemberRead> {
  const { options } = context;
  if (format === 'none') {
    const read = await readArchives(pieces(source, absolute, source.size, context.onRead), absolute, false, context);
    return { ...read, length: read.end, uncompressedSize: read.end };
  }
  if (STREAMING_FORMATS.includes(format)) {
    const decoding = decodeStreamExtent(pieces(source, absolute, source.size, context.onRead), format, {
      maxOutputBytes: options.maxMemberBytes,
      maxRatio: options.maxRatio,
      // The cpio reader copies what it keeps before it asks for the next chunk.
      reuseChunks: true,
    });
    const read = await readArchives(namedDecodeErrors(decoding.chunks, format, absolute), absolute, true, context);
    return { ...read, length: decoding.consumed(), uncompressedSize: read.end };
  }
  // bzip2, lzo and lz4 have no streaming decoder: decoded whole (rare in initrds), the output dropped after.
  const decoded = decodeMemberWhole(source.read(absolute, source.size), format, options, absolute);
  const read = await readArchives([decoded.output], absolute, true, context);
  return { ...read, length: decoded.consumed, uncompressedSize: decoded.output.length };
}

/** The archives of a member's cpio stream, with the context's keep rule and limits. */
function readArchives(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  absolute: number,
  concatenated: boolean,
  context: ReadContext,
): Promise<StreamedArchives> {
  const { options, keep, maxFileBytes } = context;
  return readStreamedArchives(stream, absolute, {
    concatenated,
    keep,
    maxFileBytes,
    maxEntries: options.maxEntries,
    maxMemberBytes: options.maxMemberBytes,
  });
}

/**
 * Reads back the contents of entries an `openInitrdSource` initrd did not keep (a tree inode's
 * `source`), decoding each member that holds one again, once, and stopping after its last wanted entry.
 * `visit` gets each entry's data (a fresh array) in member order.
 */
export async function readEntryData(
  initrd: Initrd,
  source: InitrdSource,
  wanted: readonly DataSource[],
  visit: (entry: DataSource, data: Uint8Array) => void | Promise<void>,
  options: Pick<OpenInitrdSourceOptions, 'maxFileBytes' | 'maxMemberBytes' | 'maxRatio'> = {},
): Promise<void> {
  const byMember = new Map<number, Set<number>>();
  for (const { member, entry } of wanted) {
    if (!initrd.members[member]?.entries[entry]) {
      throw initramfsError('INITRAMFS_NOT_FOUND', `the initrd has no entry ${entry} in member ${member}`);
    }
    byMember.set(member, (byMember.get(member) ?? new Set()).add(entry));
  }
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes;
  for (const [index, entries] of [...byMember].sort(([a], [b]) => a - b)) {
    const member = initrd.members[index]!;
    const absolute = initrd.payloadOffset + member.offset;
    const end = absolute + member.length;
    const format = member.compression;
    const stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
      format === 'none'
        ? pieces(source, absolute, end)
        : STREAMING_FORMATS.includes(format)
          ? namedDecodeErrors(
              decodeStreamExtent(pieces(source, absolute, end), format, { ...options, reuseChunks: true }).chunks,
              format,
              absolute,
            )
          : [decodeMemberWhole(source.read(absolute, end), format, options, absolute).output];
    const reader = new CpioStreamReader(stream, { concatenated: format !== 'none', kernelFormatsOnly: true });
    let position = 0;
    const last = Math.max(...entries);
    for await (const record of reader) {
      if (entries.has(position))
        await visit({ member: index, entry: position }, (await record.bytes(maxFileBytes)).slice());
      if (position === last) break;
      position++;
    }
  }
}

/** What a streaming reader knows of an Initrd before its members: the wrapper, and nothing held in memory. */
export type InitrdHead = Pick<
  Initrd,
  'size' | 'bytes' | 'wrapper' | 'payload' | 'payloadOffset' | 'payloadLength' | 'payloadCrc'
>;

/**
 * Checks the file's size against maxInputBytes and reads its uImage wrapper, if any, computing the
 * payload's CRC in a pass of its own: the first step of openInitrdSource and of the Node file reader.
 */
export function readInitrdHead(
  source: InitrdSource,
  options: Pick<OpenInitrdSourceOptions, 'maxInputBytes' | 'verifyChecksums' | 'verifyDataCrc'>,
  onProgress?: OpenInitrdSourceOptions['onProgress'],
): InitrdHead {
  const { size } = source;
  checkLimit(
    size,
    options.maxInputBytes ?? DEFAULT_LIMITS.maxInputBytes,
    'INITRAMFS_TOO_LARGE',
    'the file size in bytes (maxInputBytes)',
  );
  const head = source.read(0, Math.min(size, UIMAGE_HEADER_SIZE));
  const unwrapped = { size, bytes: undefined, payload: undefined };
  if (!isUImage(head)) {
    return { ...unwrapped, wrapper: undefined, payloadOffset: 0, payloadLength: size, payloadCrc: undefined };
  }
  const header = parseHeader(head);
  checkWrappedSize(header, size);
  const buffer = new Uint8Array(PIECE);
  const end = UIMAGE_HEADER_SIZE + header.size;
  let crc = 0;
  for (let at = UIMAGE_HEADER_SIZE; at < end; at += PIECE) {
    const next = Math.min(at + PIECE, end);
    crc = crc32(source.read(at, next, buffer), crc);
    onProgress?.(next, size, 'checksum');
  }
  if (verifiesChecksums(options)) checkPayloadCrc(header, crc);
  const payloadLength = size - UIMAGE_HEADER_SIZE;
  return { ...unwrapped, wrapper: header, payloadOffset: UIMAGE_HEADER_SIZE, payloadLength, payloadCrc: crc };
}
