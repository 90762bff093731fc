/**
 * Extracting an archive into a directory without ever writing outside it. Names with `..` are
 * refused; absolute names are taken relative to the target (as the kernel does); no path is ever
 * resolved through a symlink (each parent is checked with lstat, files are opened with O_NOFOLLOW and
 * whatever sits at a path is removed before it is replaced, so neither a symlink nor a hard link to
 * an outside file is written through); hard links only join files this extraction created. Device
 * nodes are made only when asked and running as root. Modes, owners (as root) and mtimes are restored.
 * Everything left out is listed in the report with the reason.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmdirSync,
  type Stats,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import type { ByteSource } from '@initkit/core';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '../constants.js';
import { symlinkTarget } from '../entry.js';
import { encodeCpioName, isUtf8Name } from '../name.js';
import { type CpioStreamEntry, CpioStreamReader, type ReadCpioStreamOptions } from '../stream-reader.js';

export interface ExtractOptions extends ReadCpioStreamOptions {
  /** Create character and block device nodes (only as root; default false). */
  devices?: boolean;
  /** Restore uid and gid (default: when running as root). */
  preserveOwners?: boolean;
  /** Restore modification times (default true). */
  preserveTimes?: boolean;
  /** Called for each entry extracted (for progress or a verbose listing). */
  onEntry?: (path: string, entry: CpioStreamEntry) => void;
}

export interface SkippedEntry {
  name: string;
  reason: string;
  /** Offset of the entry's header in the archive. */
  offset: number;
}

export interface ExtractReport {
  files: number;
  directories: number;
  symlinks: number;
  hardLinks: number;
  devices: number;
  fifos: number;
  skipped: SkippedEntry[];
}

class Skip extends Error {}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The relative path an entry name maps to under the target, or a Skip. Leading slashes and `.`
 * components are dropped; `..` anywhere is refused.
 */
function safeRelativePath(name: string): string[] {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.some((part) => part === '..')) throw new Skip(`name has a '..' component`);
  return parts;
}

/** A path on disk: a Buffer when the name is not UTF-8, since the name's bytes are the file's name. */
type DiskPath = string | Buffer;

function diskPath(root: string, relative: string): DiskPath {
  if (isUtf8Name(relative)) return join(root, relative);
  return Buffer.concat([Buffer.from(`${root}/`), encodeCpioName(relative)]);
}

function lstatOrUndefined(path: DiskPath): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

interface DirectoryFixup {
  path: DiskPath;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

/** Extracts an archive (bytes or a stream of chunks) into `target`, which is created if missing. */
export async function extractCpio(
  source: Uint8Array | ByteSource,
  target: string,
  options: ExtractOptions = {},
): Promise<ExtractReport> {
  const root = resolve(target);
  mkdirSync(root, { recursive: true });
  const preserveOwners = options.preserveOwners ?? isRoot();
  const preserveTimes = options.preserveTimes ?? true;
  const report: ExtractReport = {
    files: 0,
    directories: 0,
    symlinks: 0,
    hardLinks: 0,
    devices: 0,
    fifos: 0,
    skipped: [],
  };
  /** Directories under root known to be real directories (not symlinks), relative paths. */
  const knownDirectories = new Set<string>(['']);
  /** Hard-link groups: (dev, ino) -> the path this extraction created for the group, and its inode. */
  const linkGroups = new Map<string, { path: DiskPath; ino: number }>();
  const directoryFixups = new Map<string, DirectoryFixup>();

  const forgetBelow = (relative: string) => {
    for (const known of knownDirectories) {
      if (known === relative || known.startsWith(`${relative}/`)) knownDirectories.delete(known);
    }
    directoryFixups.delete(relative);
  };

  /** Makes sure every parent of `parts` is a real directory inside root, creating missing ones. */
  const ensureParents = (parts: string[]) => {
    let relative = '';
    for (const part of parts.slice(0, -1)) {
      relative = relative === '' ? part : `${relative}/${part}`;
      if (knownDirectories.has(relative)) continue;
      const path = diskPath(root, relative);
      const stats = lstatOrUndefined(path);
      if (stats === undefined) mkdirSync(path, { mode: 0o755 });
      else if (stats.isSymbolicLink()) throw new Skip(`parent ${relative} is a symlink`);
      else if (!stats.isDirectory()) throw new Skip(`parent ${relative} is not a directory`);
      knownDirectories.add(relative);
    }
  };

  /** Removes whatever is at `path` (not following symlinks) so a new entry can take its place. */
  const clearPath = (path: DiskPath, relative: string, keepDirectory: boolean): boolean => {
    const stats = lstatOrUndefined(path);
    if (stats === undefined) return false;
    if (stats.isDirectory()) {
      if (keepDirectory) return true;
      try {
        rmdirSync(path);
      } catch {
        throw new Skip('a non-empty directory is in the way');
      }
      forgetBelow(relative);
      return false;
    }
    unlinkSync(path);
    return false;
  };

  const setAttributes = (path: DiskPath, entry: CpioStreamEntry, isLink: boolean) => {
    if (preserveOwners) (isLink ? lchownSync : chownSync)(path, entry.uid, entry.gid);
    if (!isLink) chmodSync(path, entry.mode & 0o7777);
    if (preserveTimes) (isLink ? lutimesSync : utimesSync)(path, entry.mtime, entry.mtime);
  };

  const writeData = async (path: DiskPath, entry: CpioStreamEntry, flags: number) => {
    const descriptor = openSync(path, flags | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
    try {
      for await (const chunk of entry.chunks()) {
        let written = 0;
        while (written < chunk.length) written += writeSync(descriptor, chunk, written, chunk.length - written);
      }
    } finally {
      closeSync(descriptor);
    }
  };

  const makeNode = (path: DiskPath, entry: CpioStreamEntry, type: number) => {
    if (typeof path !== 'string') throw new Skip('mknod and mkfifo take no name that is not UTF-8');
    const mode = (entry.mode & 0o7777).toString(8);
    if (type === S_IFIFO) execFileSync('mkfifo', ['-m', mode, path], { stdio: 'ignore' });
    else {
      const kind = type === S_IFBLK ? 'b' : 'c';
      execFileSync('mknod', ['-m', mode, path, kind, String(entry.rdevMajor), String(entry.rdevMinor)], {
        stdio: 'ignore',
      });
    }
  };

  const extractOne = async (entry: CpioStreamEntry) => {
    const parts = safeRelativePath(entry.name);
    const type = entry.mode & S_IFMT;
    if (parts.length === 0) {
      // The archive's root (`.`): its mode, owner and time go to the target directory itself.
      if (type !== S_IFDIR) throw new Skip('the root entry is not a directory');
      directoryFixups.set('', {
        path: root,
        mode: entry.mode & 0o7777,
        uid: entry.uid,
        gid: entry.gid,
        mtime: entry.mtime,
      });
      return;
    }
    const relative = parts.join('/');
    const path = diskPath(root, relative);
    ensureParents(parts);
    switch (type) {
      case S_IFDIR: {
        if (!clearPath(path, relative, true)) mkdirSync(path, { mode: 0o700 });
        knownDirectories.add(relative);
        directoryFixups.set(relative, {
          path,
          mode: entry.mode & 0o7777,
          uid: entry.uid,
          gid: entry.gid,
          mtime: entry.mtime,
        });
        report.directories++;
        break;
      }
      case S_IFREG: {
        const key = entry.nlink >= 2 ? `${entry.devMajor}:${entry.devMinor}:${entry.ino}` : undefined;
        const group = key === undefined ? undefined : linkGroups.get(key);
        clearPath(path, relative, false);
        forgetBelow(relative);
        if (group !== undefined) {
          const existing = lstatOrUndefined(group.path);
          if (existing === undefined || !existing.isFile() || existing.ino !== group.ino) {
            throw new Skip('its hard-link target was replaced during extraction');
          }
          linkSync(group.path, path);
          if (entry.fileSize > 0) await writeData(path, entry, constants.O_TRUNC);
          report.hardLinks++;
        } else {
          await writeData(path, entry, constants.O_CREAT | constants.O_EXCL);
          if (key !== undefined) linkGroups.set(key, { path, ino: lstatSync(path).ino });
          report.files++;
        }
        setAttributes(path, entry, false);
        break;
      }
      case S_IFLNK: {
        const target = symlinkTarget({ data: await entry.bytes(4096) });
        clearPath(path, relative, false);
        forgetBelow(relative);
        symlinkSync(Buffer.from(encodeCpioName(target)), path);
        setAttributes(path, entry, true);
        report.symlinks++;
        break;
      }
      case S_IFCHR:
      case S_IFBLK:
        if (!options.devices) throw new Skip('device nodes are created only when asked (devices option, --devices)');
        if (!isRoot()) throw new Skip('creating device nodes needs root');
        clearPath(path, relative, false);
        forgetBelow(relative);
        makeNode(path, entry, type);
        setAttributes(path, entry, false);
        report.devices++;
        break;
      case S_IFIFO:
        clearPath(path, relative, false);
        forgetBelow(relative);
        makeNode(path, entry, type);
        setAttributes(path, entry, false);
        report.fifos++;
        break;
      case S_IFSOCK:
        throw new Skip('sockets are not extracted (a socket is made by the program that listens on it)');
      default:
        throw new Skip(`unknown file type ${type.toString(8)}`);
    }
    options.onEntry?.(relative, entry);
  };

  const reader = new CpioStreamReader(source instanceof Uint8Array ? [source] : source, options);
  for await (const entry of reader) {
    try {
      await extractOne(entry);
    } catch (error) {
      if (!(error instanceof Skip)) throw error;
      report.skipped.push({ name: entry.name, reason: error.message, offset: entry.offset });
    }
  }
  // Directories last and deepest first, so writing their contents did not disturb their times and a
  // read-only directory was still writable while it was filled.
  const fixups = [...directoryFixups.values()].sort((a, b) => b.path.length - a.path.length);
  for (const fixup of fixups) {
    if (preserveOwners) chownSync(fixup.path, fixup.uid, fixup.gid);
    chmodSync(fixup.path, fixup.mode);
    if (preserveTimes) utimesSync(fixup.path, fixup.mtime, fixup.mtime);
  }
  return report;
}
