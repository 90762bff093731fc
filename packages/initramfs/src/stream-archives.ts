/**
 * The cpio archives of one initrd member read from a stream of chunks, keeping the contents `keep`
 * accepts: the one loop both streaming readers run (open-source.ts, node/read-initrd.ts). What only one
 * of them does as the stream is read (Node's release of dropped decoder chunks, progress) goes in
 * `onPosition`.
 */
import { type CpioStreamEntry, CpioStreamReader, S_IFLNK, S_IFMT } from '@initkit/cpio';
import { initramfsError } from './errors.js';
import type { KeepData, MemberEntry } from './member.js';
import { toMemberEntry } from './member.js';
import { locateArchiveError } from './member-errors.js';
import { entryPath } from './scan.js';

export interface StreamedArchives {
  entries: MemberEntry[];
  archives: number;
  /** Bytes of the stream the archives used (past the last trailer and its padding). */
  end: number;
  /** False when a non-empty file's contents were not kept. */
  complete: boolean;
}

export interface StreamArchivesOptions {
  /** All archives until the stream ends (a decoded member), or only the first (an uncompressed one). */
  concatenated: boolean;
  keep: KeepData;
  /** Largest single file whose contents are kept. */
  maxFileBytes: number;
  maxEntries?: number;
  /** Largest decoded member (maxMemberBytes). */
  maxMemberBytes?: number;
  /**
   * Called with the bytes of the stream read so far (never decreasing): before each entry, and as
   * chunks arrive, so a caller releasing dropped chunks every few MiB also does so inside a large file.
   */
  onPosition?: (position: number) => void;
}

/** Reads the archives of the member at `absolute` (in the file) from `stream`. */
export async function readStreamedArchives(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  absolute: number,
  options: StreamArchivesOptions,
): Promise<StreamedArchives> {
  const { concatenated, keep, maxFileBytes, onPosition } = options;
  let reported = 0;
  const report = (position: number) => {
    if (position <= reported) return;
    reported = position;
    onPosition!(position);
  };
  const reader = new CpioStreamReader(onPosition ? countedChunks(stream, report) : stream, {
    concatenated,
    maxEntries: options.maxEntries,
    kernelFormatsOnly: true,
  });
  const maxOutput = options.maxMemberBytes ?? Number.POSITIVE_INFINITY;
  const entries: MemberEntry[] = [];
  let complete = true;
  try {
    for await (const record of reader) {
      if (onPosition) report(reader.position);
      if (reader.position > maxOutput) {
        throw initramfsError(
          'INITRAMFS_TOO_LARGE',
          `member at ${absolute} holds more than ${maxOutput} bytes (maxMemberBytes)`,
          { offset: absolute },
        );
      }
      const entry = await memberEntry(record, reader.archives, keep, maxFileBytes);
      if (entry.data === undefined && entry.size > 0) complete = false;
      entries.push(entry);
    }
  } catch (error) {
    throw locateArchiveError(error, reader.info().start, absolute, concatenated);
  }
  return { entries, archives: reader.archives, end: reader.position, complete };
}

/**
 * The chunks of `stream`, reporting the bytes handed on before each one. The data of a large file is
 * skipped inside the cpio reader, between two entries: reported per entry only, its chunks piled up
 * uncollected (listing the 88 MiB xz initrd on Node 24 peaked 10 MiB higher; bench/RESULTS, issue 19).
 */
async function* countedChunks(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  report: (position: number) => void,
): AsyncGenerator<Uint8Array, void, void> {
  let position = 0;
  for await (const chunk of stream) {
    report(position);
    position += chunk.length;
    yield chunk;
  }
}

async function memberEntry(
  record: CpioStreamEntry,
  archive: number,
  keep: KeepData,
  maxFileBytes: number,
): Promise<MemberEntry> {
  const path = entryPath(record.name, record.offset);
  let data: Uint8Array | undefined;
  if ((record.mode & S_IFMT) === S_IFLNK || keep(path, record.fileSize, record.mode)) {
    const bytes = await record.bytes(maxFileBytes);
    // A view into a decoder's chunk would keep the whole chunk alive: copy it.
    data = bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  }
  return toMemberEntry(record, { path, size: record.fileSize, data, offset: record.offset, archive });
}
