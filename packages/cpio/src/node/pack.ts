/**
 * Packing a directory tree into a newc or crc archive, as `find . | cpio -o -H newc` would: the root
 * `.` first, every directory before its contents, real inode, device, owner and time fields, and hard
 * links found by device and inode. File contents are read straight into a staging buffer while
 * writing, so memory stays bounded whatever the tree holds.
 */

import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { concatBytes } from '@initkit/core';
import { writeFileAtomic } from '@initkit/core/node';
import { cpioChecksum } from '../checksum.js';
import { S_IFMT, S_IFREG } from '../constants.js';
import { cpioError } from '../errors.js';
import { decodeCpioName, escapeCpioName, isUtf8Name } from '../name.js';
import { type PlanInput, type PlannedEntry, type PlanOptions, planEntries } from '../plan.js';
import { type CpioWriterOptions, dataPadding, encodeHeader, encodeTrailer } from '../writer.js';
import { deviceMajor, deviceMinor } from './device-numbers.js';

export interface PackOptions extends PlanOptions, Omit<CpioWriterOptions, 'sink'> {}

/** An entry found on disk: its archive fields, and where to read its data. */
export interface PackInput extends PlanInput {
  /** Path on disk: a Buffer below a directory whose name is not UTF-8 (the bytes are the name). */
  path: string | Buffer;
}

export interface PackSummary {
  entries: number;
  bytes: number;
}

function inputFromStats(name: string, path: string | Buffer, stats: Stats): PackInput {
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
    throw cpioError('CPIO_NOT_A_DIRECTORY', `${root} is not a directory`);
  }
  entries.push(inputFromStats('.', root, rootStats));
  // Names are read as bytes: a name that is not UTF-8 is kept (name.ts) and its path stays a Buffer.
  const walk = (directory: string | Buffer, prefix: string) => {
    for (const rawName of readdirSync(directory, { encoding: 'buffer' })) {
      const name = decodeCpioName(rawName);
      const path =
        typeof directory === 'string' && isUtf8Name(name)
          ? join(directory, name)
          : Buffer.concat([Buffer.from(directory), SLASH, rawName]);
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

/** A path for a message: a Buffer path with its bytes that are not UTF-8 escaped. */
function pathText(path: string | Buffer): string {
  return typeof path === 'string' ? path : escapeCpioName(decodeCpioName(path));
}

/** Opens a file to pack and checks it still has the size it had when the tree was walked. */
function openChecked(path: string | Buffer, size: number): number {
  const descriptor = openSync(path, 'r');
  const actual = fstatSync(descriptor).size;
  if (actual !== size) {
    closeSync(descriptor);
    throw cpioError('CPIO_FILE_CHANGED', `${pathText(path)} changed size while packing (${size} bytes, now ${actual})`);
  }
  return descriptor;
}

/** Reads `length` bytes of `descriptor` into `target` at `offset`; a short file is CPIO_FILE_CHANGED. */
function readInto(descriptor: number, target: Uint8Array, offset: number, length: number, path: string | Buffer): void {
  let filled = 0;
  while (filled < length) {
    const count = readSync(descriptor, target, offset + filled, length - filled, null);
    if (count === 0) throw cpioError('CPIO_FILE_CHANGED', `${pathText(path)} shrank while packing`);
    filled += count;
  }
}

function readWhole(path: string | Buffer, size: number): Uint8Array {
  const descriptor = openChecked(path, size);
  try {
    const data = new Uint8Array(size);
    readInto(descriptor, data, 0, size, path);
    return data;
  } finally {
    closeSync(descriptor);
  }
}

const STAGING_SIZE = 4 << 20;
const SLASH = Buffer.from('/');
const ZEROS = new Uint8Array(4);

/**
 * The archive as a sequence of chunks, built in one staging buffer: headers are copied in and file
 * contents read straight into it, so packing allocates almost nothing per file. Each chunk is a view
 * of the staging buffer, overwritten once the consumer asks for the next one: write it first.
 */
function* archiveChunks(planned: PlannedEntry<PackInput>[], options: PackOptions): Generator<Uint8Array> {
  const format = options.format ?? 'newc';
  const staging = new Uint8Array(STAGING_SIZE);
  let used = 0;
  let position = 0;
  function* put(bytes: Uint8Array): Generator<Uint8Array> {
    let from = 0;
    while (from < bytes.length) {
      const step = Math.min(bytes.length - from, STAGING_SIZE - used);
      staging.set(bytes.subarray(from, from + step), used);
      used += step;
      from += step;
      if (used === STAGING_SIZE) {
        yield staging;
        used = 0;
      }
    }
    position += bytes.length;
  }
  for (const entry of planned) {
    const lazy = entry.fileSize > 0 && entry.data === undefined;
    const regular = (entry.mode & S_IFMT) === S_IFREG;
    // The crc format needs the data sum before the header: read such a file whole first.
    const data = lazy && format === 'crc' ? readWhole(entry.source.path, entry.fileSize) : entry.data;
    const check = format === 'crc' && regular && data !== undefined ? cpioChecksum(data) : 0;
    yield* put(encodeHeader(entry, format, check, position));
    if (data !== undefined) yield* put(data);
    else if (lazy) {
      const path = entry.source.path;
      const descriptor = openChecked(path, entry.fileSize);
      try {
        for (let remaining = entry.fileSize; remaining > 0; ) {
          const step = Math.min(remaining, STAGING_SIZE - used);
          readInto(descriptor, staging, used, step, path);
          used += step;
          remaining -= step;
          position += step;
          if (used === STAGING_SIZE) {
            yield staging;
            used = 0;
          }
        }
      } finally {
        closeSync(descriptor);
      }
    }
    yield* put(ZEROS.subarray(0, dataPadding(entry.fileSize)));
  }
  yield* put(encodeTrailer(format, position, options.blockSize ?? 512));
  if (used > 0) yield staging.subarray(0, used);
}

/** The archive of the tree under `root`, in memory. */
export function packDirectory(root: string, options: PackOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (const chunk of archiveChunks(planEntries(collectTree(root), options), options)) {
    chunks.push(chunk.slice());
    length += chunk.length;
  }
  return concatBytes(chunks, length);
}

/**
 * Packs the tree under `root` into the file `output`, replaced atomically (temporary file, fsync,
 * rename). Memory stays bounded (a 4 MiB staging buffer; in the crc format, also the largest file).
 */
export async function packDirectoryToFile(
  root: string,
  output: string,
  options: PackOptions = {},
): Promise<PackSummary> {
  const planned = planEntries(collectTree(root), options);
  let bytes = 0;
  function* counted(): Generator<Uint8Array> {
    // writeFileAtomic writes each chunk before asking for the next, as archiveChunks requires.
    for (const chunk of archiveChunks(planned, options)) {
      bytes += chunk.length;
      yield chunk;
    }
  }
  await writeFileAtomic(output, counted());
  return { entries: planned.length, bytes };
}
