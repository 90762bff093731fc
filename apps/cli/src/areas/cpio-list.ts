/**
 * `initkit cpio list`: names like `cpio -t`, long lines like `cpio -tv`, or every header field as JSON,
 * from a file (read by position) or a pipe (streamed). Names are escaped unless --raw.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import {
  type CpioStreamEntry,
  CpioStreamReader,
  entryToJson,
  escapeCpioName,
  formatLongListing,
  S_IFLNK,
  S_IFMT,
  symlinkTarget,
} from '@initkit/cpio';
import { CpioFileReader, fileChunks } from '@initkit/cpio/node';
import { withFileSync } from '../file-errors.js';
import { ownerNames } from '../id-names.js';
import { printJson, writeStdout } from '../output.js';
import { listingBytes } from '../safe-text.js';

/** An open archive: a descriptor for a file or stdin ('-'), and whether it can be read by position. */
export function openArchive(file: string): { descriptor: number; seekable: boolean; close(): void } {
  const descriptor = file === '-' ? 0 : withFileSync(file, 'the archive', () => openSync(file, 'r'));
  return {
    descriptor,
    seekable: fstatSync(descriptor).isFile(),
    close: () => {
      if (descriptor !== 0) closeSync(descriptor);
    },
  };
}

type ListedEntry = Omit<CpioStreamEntry, 'chunks' | 'bytes'> & { linkTarget: string | undefined };

async function linkTargetOf(entry: CpioStreamEntry): Promise<string | undefined> {
  if ((entry.mode & S_IFMT) !== S_IFLNK) return undefined;
  return symlinkTarget({ data: await entry.bytes(1 << 16) });
}

/** Entries with their symlink targets: by position from a file, else streamed (stdin, pipes). */
async function* listEntries(
  file: string,
  options: { concatenated?: boolean; verifyChecksums: boolean },
): AsyncGenerator<ListedEntry, Record<string, unknown>> {
  const archive = openArchive(file);
  try {
    if (archive.seekable && !options.concatenated) {
      const reader = new CpioFileReader(archive.descriptor, options);
      for (const entry of reader) {
        const linkTarget =
          (entry.mode & S_IFMT) === S_IFLNK ? symlinkTarget({ data: entry.readData(1 << 16) }) : undefined;
        yield { ...entry, linkTarget };
      }
      return { ...reader.info() };
    }
    const reader = new CpioStreamReader(fileChunks(archive.descriptor), options);
    for await (const entry of reader) yield { ...entry, linkTarget: await linkTargetOf(entry) };
    return { ...reader.info() };
  } finally {
    archive.close();
  }
}

export interface ListFlags {
  verbose?: boolean;
  numericUidGid?: boolean;
  json?: boolean;
  all?: boolean;
  raw?: boolean;
  verify: boolean;
}

/** Lines written in blocks of about 64 KiB (archives of many thousands of entries). */
const BLOCK = 1 << 16;

export async function listAction(file: string, flags: ListFlags): Promise<void> {
  const entries = listEntries(file, { concatenated: flags.all, verifyChecksums: flags.verify });
  const json: Record<string, unknown>[] = [];
  const long = { now: Math.floor(Date.now() / 1000), ...ownerNames(flags.numericUidGid) };
  let lines: string[] = [];
  let size = 0;
  let step = await entries.next();
  while (!step.done) {
    const entry = step.value;
    if (flags.json) json.push(entryToJson(entry));
    else {
      const line = flags.verbose ? formatLongListing(entry, long) : escapeCpioName(entry.name);
      lines.push(line);
      size += line.length;
      if (size > BLOCK) {
        await writeStdout(listingBytes(lines, flags.raw));
        lines = [];
        size = 0;
      }
    }
    step = await entries.next();
  }
  if (lines.length) await writeStdout(listingBytes(lines, flags.raw));
  if (flags.json) printJson({ ...step.value, entries: json });
}
