/**
 * Packing a directory tree into a newc or crc archive, as `find . | cpio -o -H newc` would: the root
 * `.` first, every directory before its contents, real inode, device, owner and time fields, and hard
 * links found by device and inode. File contents are read one file at a time while writing, so memory
 * stays bounded by the largest file.
 */
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { InitkitError } from '@initkit/core';
import { writeFileAtomic } from '@initkit/core/node';
import { S_IFMT, S_IFREG } from '../constants.js';
import { type PlanInput, type PlannedEntry, type PlanOptions, planEntries } from '../plan.js';
import { CpioWriter, type CpioWriterOptions } from '../writer.js';
import { deviceMajor, deviceMinor } from './device-numbers.js';

export interface PackOptions extends PlanOptions, Omit<CpioWriterOptions, 'sink'> {}

/** An entry found on disk: its archive fields, and where to read its data. */
export interface PackInput extends PlanInput {
  /** Path on disk. */
  path: string;
}

export interface PackSummary {
  entries: number;
  bytes: number;
}

function inputFromStats(name: string, path: string, stats: Stats): PackInput {
  const type = stats.mode & S_IFMT;
  const input: PackInput = {
    name,
    path,
    mode: stats.mode,
    uid: stats.uid,
    gid: stats.gid,
    nlink: stats.nlink,
    mtime: Math.max(0, Math.min(0xffffffff, Math.floor(stats.mtimeMs / 1000))),
    ino: stats.ino,
    devMajor: deviceMajor(stats.dev),
    devMinor: deviceMinor(stats.dev),
    rdevMajor: deviceMajor(stats.rdev),
    rdevMinor: deviceMinor(stats.rdev),
  };
  if (type === S_IFREG) input.size = stats.size;
  else if (stats.isSymbolicLink()) input.data = readlinkSync(path, { encoding: 'buffer' });
  return input;
}

/**
 * Every entry under `root` in `find` order (the root as `.`, then depth-first; directory listings in
 * name order). Symlinks are stored, never followed.
 */
export function collectTree(root: string): PackInput[] {
  const entries: PackInput[] = [];
  const rootStats = lstatSync(root);
  if (!rootStats.isDirectory()) {
    throw new InitkitError('CPIO_NOT_A_DIRECTORY', `${root} is not a directory`);
  }
  entries.push(inputFromStats('.', root, rootStats));
  const walk = (directory: string, prefix: string) => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      const archiveName = prefix === '' ? name : `${prefix}/${name}`;
      const stats = lstatSync(path);
      entries.push(inputFromStats(archiveName, path, stats));
      if (stats.isDirectory()) walk(path, archiveName);
    }
  };
  walk(root, '');
  // Inode numbers wider than 32 bits (xfs, btrfs) cannot be stored: then number every file from 1,
  // giving the links of one file one number.
  if (entries.some((entry) => (entry.ino ?? 0) > 0xffffffff)) {
    const numbers = new Map<string, number>();
    for (const entry of entries) {
      const key = `${entry.devMajor}:${entry.devMinor}:${entry.ino}`;
      let number = numbers.get(key);
      if (number === undefined) {
        number = numbers.size + 1;
        numbers.set(key, number);
      }
      entry.ino = number;
    }
  }
  return entries;
}

function readExactly(path: string, size: number): Uint8Array {
  const descriptor = openSync(path, 'r');
  try {
    const actual = fstatSync(descriptor).size;
    if (actual !== size) {
      throw new InitkitError('CPIO_FILE_CHANGED', `${path} changed size while packing (${size} bytes, now ${actual})`);
    }
    const data = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const count = readSync(descriptor, data, filled, size - filled, null);
      if (count === 0) throw new InitkitError('CPIO_FILE_CHANGED', `${path} shrank while packing`);
      filled += count;
    }
    return data;
  } finally {
    closeSync(descriptor);
  }
}

function dataOf(entry: PlannedEntry<PackInput>): Uint8Array | undefined {
  if (entry.fileSize === 0) return undefined;
  return entry.data ?? readExactly(entry.source.path, entry.fileSize);
}

/** The archive of the tree under `root`, in memory. */
export function packDirectory(root: string, options: PackOptions = {}): Uint8Array {
  const writer = new CpioWriter(options);
  for (const entry of planEntries(collectTree(root), options)) writer.add(entry, dataOf(entry));
  return writer.finish();
}

/**
 * Packs the tree under `root` into the file `output`, replaced atomically (temporary file, fsync,
 * rename). Memory stays bounded by the largest file in the tree.
 */
export async function packDirectoryToFile(
  root: string,
  output: string,
  options: PackOptions = {},
): Promise<PackSummary> {
  const planned = planEntries(collectTree(root), options);
  let bytes = 0;
  function* chunks(): Generator<Uint8Array> {
    const pending: Uint8Array[] = [];
    // The writer is synchronous; hand its chunks over as they are produced, file by file.
    const writer = new CpioWriter({ ...options, sink: (chunk) => pending.push(chunk) });
    for (const entry of planned) {
      writer.add(entry, dataOf(entry));
      yield* coalesce(pending.splice(0));
    }
    writer.finish();
    yield* coalesce(pending.splice(0));
    bytes = writer.length;
  }
  await writeFileAtomic(output, chunks());
  return { entries: planned.length, bytes };
}

/** Joins runs of small chunks so the file is written in few large writes. */
function* coalesce(chunks: Uint8Array[]): Generator<Uint8Array> {
  let run: Uint8Array[] = [];
  let runLength = 0;
  const joined = () => {
    const out = new Uint8Array(runLength);
    let position = 0;
    for (const chunk of run) {
      out.set(chunk, position);
      position += chunk.length;
    }
    run = [];
    runLength = 0;
    return out;
  };
  for (const chunk of chunks) {
    if (chunk.length >= 64 * 1024) {
      if (runLength) yield joined();
      yield chunk;
      continue;
    }
    run.push(chunk);
    runLength += chunk.length;
  }
  if (runLength) yield joined();
}
