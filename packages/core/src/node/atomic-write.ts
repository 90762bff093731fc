/**
 * Replace a file so that a crash leaves the old content or the new, never half of one: write a
 * temporary file in the same directory, rename it over the target. For durability across a power loss
 * the file is fsynced before the rename and the directory after it; that is the default under /boot
 * and /etc (where a zero-length kernel or initrd would not boot) and an option elsewhere, since an
 * fsync of a large file costs more than writing it. A writer killed before its rename (kill -9, power
 * loss) leaves its temporary file: the next write to the same target removes those whose writer
 * process is gone. A symbolic link is followed, and a device or FIFO (`-o /dev/null`) is written in
 * place instead of being replaced (write-target.ts).
 */
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveWriteTarget } from './write-target.js';

export interface WriteFileAtomicOptions {
  /** File mode for a new file; an existing file's mode is kept when omitted. */
  mode?: number;
  /** fsync the file and its directory (default: only for paths under /boot and /etc). */
  durable?: boolean;
  /**
   * Bytes that go at the start of the file but are known only once the rest is written (a header
   * holding the size and checksum of what follows): `length` zero bytes are written first in their
   * place, then `bytes()` is called and written over them. (The async writer only.)
   */
  header?: { length: number; bytes: () => Uint8Array };
}

const SYSTEM_DIRECTORIES = ['/boot/', '/etc/'];

/** Whether a path lies under /boot or /etc, where replacements must survive a power loss. */
export function isSystemBootPath(path: string): boolean {
  const absolute = resolve(path);
  return SYSTEM_DIRECTORIES.some((directory) => absolute.startsWith(directory));
}

export async function writeFileAtomic(
  target: string,
  data: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const { path, inPlace } = resolveWriteTarget(target);
  if (inPlace) return writeInPlace(path, data, options);
  const directory = dirname(path);
  const mode = options.mode ?? (await existingMode(path)) ?? 0o644;
  const durable = options.durable ?? isSystemBootPath(path);
  removeStaleTemporaries(directory, basename(path));
  const { temporary, handle } = await createTemporary(directory, basename(path), mode);
  try {
    const chunks = data instanceof Uint8Array ? [data] : data;
    const header = options.header;
    if (header) await handle.write(new Uint8Array(header.length));
    for await (const chunk of chunks) await writeAll(handle, chunk);
    if (header) {
      const bytes = header.bytes();
      if (bytes.length !== header.length) {
        throw new RangeError(`writeFileAtomic: header of ${bytes.length} bytes, ${header.length} were reserved`);
      }
      await handle.write(bytes, 0, bytes.length, 0);
    }
    await handle.chmod(mode);
    if (durable) await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
  if (durable) await syncDirectory(directory);
}

/**
 * Writes a device or FIFO as a stream: no temporary, no rename, no mode change. A reserved header
 * cannot be written back into a pipe, so with one the data is gathered first and the header written
 * before it.
 */
async function writeInPlace(
  path: string,
  data: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: WriteFileAtomicOptions,
): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const chunks = data instanceof Uint8Array ? [data] : data;
    const header = options.header;
    const held: Uint8Array[] = [];
    for await (const chunk of chunks) {
      if (header) held.push(chunk);
      else await writeAll(handle, chunk);
    }
    if (header) {
      await writeAll(handle, header.bytes());
      for (const chunk of held) await writeAll(handle, chunk);
    }
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: Awaited<ReturnType<typeof open>>, chunk: Uint8Array): Promise<void> {
  for (let written = 0; written < chunk.length; ) {
    written += (await handle.write(chunk, written, chunk.length - written)).bytesWritten;
  }
}

/** Temporary names tried before giving up on a directory full of leftovers. */
const TEMPORARY_ATTEMPTS = 16;
let temporaryCounter = 0;

/**
 * A new file next to the target, created exclusively ('wx'), so a name already taken (a leftover, or
 * another writer) is never truncated: the next name is tried instead. The name needs to be unlikely,
 * not secret, so no node:crypto (loading it costs a few milliseconds of every command's start-up).
 */
function temporaryName(directory: string, name: string): string {
  const unique = `${process.pid}.${++temporaryCounter}.${Math.random().toString(36).slice(2, 8)}`;
  return join(directory, `.${name}.${unique}.tmp`);
}

/** `.NAME.PID.COUNTER.RANDOM.tmp`, as temporaryName makes them. */
const TEMPORARY_PATTERN = /^\.(.+)\.(\d+)\.\d+\.[a-z0-9]*\.tmp$/;

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files left for `name` in `directory` by writers that no longer run (killed
 * before their rename). Only names this module makes, for this target, whose process id is not
 * alive; a live process (even an unrelated one that reused the id) keeps its file. Best effort: a
 * directory that cannot be read or a file already gone is not an error.
 */
export function removeStaleTemporaries(directory: string, name: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = TEMPORARY_PATTERN.exec(entry);
    if (!match || match[1] !== name) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || processExists(pid)) continue;
    try {
      unlinkSync(join(directory, entry));
      removed.push(entry);
    } catch {
      // Removed by someone else meanwhile, or not ours to remove.
    }
  }
  return removed;
}

/** Whether a failed exclusive create should be tried again under another name. */
function retryName(error: unknown, attempt: number): boolean {
  return (error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < TEMPORARY_ATTEMPTS;
}

async function createTemporary(directory: string, name: string, mode: number) {
  for (let attempt = 1; ; attempt++) {
    const temporary = temporaryName(directory, name);
    try {
      return { temporary, handle: await open(temporary, 'wx', mode) };
    } catch (error) {
      if (!retryName(error, attempt)) throw error;
    }
  }
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself already happened.
  } finally {
    await handle.close();
  }
}

/**
 * writeFileAtomic with synchronous calls: for a program that writes a few files and has nothing else
 * to do meanwhile (depmod writes ten), the thread-pool round trips of the promise API cost more than
 * the writes themselves.
 */
export function writeFileAtomicSync(
  target: string,
  data: Uint8Array | Iterable<Uint8Array>,
  options: WriteFileAtomicOptions = {},
): void {
  const { path, inPlace } = resolveWriteTarget(target);
  if (inPlace) {
    const fd = openSync(path, 'w');
    try {
      for (const chunk of data instanceof Uint8Array ? [data] : data) {
        for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
      }
    } finally {
      closeSync(fd);
    }
    return;
  }
  const directory = dirname(path);
  const mode = options.mode ?? existingModeSync(path) ?? 0o644;
  const durable = options.durable ?? isSystemBootPath(path);
  removeStaleTemporaries(directory, basename(path));
  const { temporary, fd } = createTemporarySync(directory, basename(path), mode);
  let open = true;
  try {
    const chunks = data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) {
      for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
    }
    fchmodSync(fd, mode);
    if (durable) fsyncSync(fd);
    open = false;
    closeSync(fd);
    renameSync(temporary, path);
  } catch (error) {
    if (open) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  if (durable) syncDirectorySync(directory);
}

function createTemporarySync(directory: string, name: string, mode: number) {
  for (let attempt = 1; ; attempt++) {
    const temporary = temporaryName(directory, name);
    try {
      return { temporary, fd: openSync(temporary, 'wx', mode) };
    } catch (error) {
      if (!retryName(error, attempt)) throw error;
    }
  }
}

function existingModeSync(path: string): number | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats ? stats.mode & 0o7777 : undefined;
}

function syncDirectorySync(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } catch {
    // As in syncDirectory: some file systems refuse fsync on a directory.
  } finally {
    closeSync(fd);
  }
}
