/**
 * Extracting an archive into a directory without ever writing outside it. Names with `..` are
 * refused; absolute names are taken relative to the target (as the kernel does); no path is ever
 * resolved through a symlink (each parent is checked with lstat, files are opened with O_NOFOLLOW and
 * whatever sits at a path is removed before it is replaced, so neither a symlink nor a hard link to
 * an outside file is written through); hard links only join files this extraction created. Device
 * nodes are made only when asked and running as root, fifos always, both through mknod(2) (nothing is
 * spawned). Modes, owners (as root) and mtimes are restored. Everything left out is listed in the
 * report with the reason.
 */
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
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ByteSource } from '@initkit/core';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '../constants.js';
import { linkTarget } from '../entry.js';
import { encodeCpioName, isUtf8Name } from '../name.js';
import { type CpioStreamEntry, CpioStreamReader, type ReadCpioStreamOptions } from '../stream-reader.js';
import { makeNode } from './make-node.js';

export interface ExtractOptions extends ReadCpioStreamOptions {
  /** Create character and block device nodes (only as root; default false). */
  devices?: boolean;
  /** Restore uid and gid (default: when running as root). */
  preserveOwners?: boolean;
  /** Restore modification times (default true). */
  preserveTimes?: boolean;
  /**
   * Extract into a directory beside the target and rename it into place at the end (the target must
   * be missing or an empty directory): a failed extraction leaves nothing. Without it, a failure
   * leaves the entries finished before it, never a partial file.
   */
  atomic?: boolean;
  /** Called for each entry extracted (for progress or a verbose listing). */
  onEntry?: (path: string, entry: CpioStreamEntry) => void;
}

export interface SkippedEntry {
  name: string;
  reason: string;
  /** Offset of the entry's header in the archive (absent for an initrd's merged tree, which spans members). */
  offset?: number;
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
  if (!options.atomic) return extractInto(source, root, options);
  // Beside the target, so the final rename stays on one file system.
  const staging = join(dirname(root), `.${basename(root)}.initkit-${process.pid}-${Date.now().toString(36)}`);
  try {
    const report = await extractInto(source, staging, options);
    if (lstatOrUndefined(root)?.isDirectory()) rmdirSync(root); // only an empty one: a full one stays
    renameSync(staging, root);
    return report;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

async function extractInto(
  source: Uint8Array | ByteSource,
  root: string,
  options: ExtractOptions,
): Promise<ExtractReport> {
  const extraction = new Extraction(root, options);
  const reader = new CpioStreamReader(source instanceof Uint8Array ? [source] : source, options);
  for await (const entry of reader) await extraction.entry(entry);
  extraction.finishDirectories();
  return extraction.report;
}

/**
 * One extraction's state and its steps, one method each: place an entry (`entry`), make sure its
 * parents are real directories, clear what is in its way, create it by type, set its attributes, and
 * at the end give directories their modes and times.
 */
class Extraction {
  readonly report: ExtractReport = {
    files: 0,
    directories: 0,
    symlinks: 0,
    hardLinks: 0,
    devices: 0,
    fifos: 0,
    skipped: [],
  };
  private readonly preserveOwners: boolean;
  private readonly preserveTimes: boolean;
  /** Directories under root known to be real directories (not symlinks), relative paths. */
  private readonly knownDirectories = new Set<string>(['']);
  /** Hard-link groups: (dev, ino) -> the path this extraction created for the group, and its inode. */
  private readonly linkGroups = new Map<string, { path: DiskPath; ino: number }>();
  private readonly directoryFixups = new Map<string, DirectoryFixup>();

  constructor(
    private readonly root: string,
    private readonly options: ExtractOptions,
  ) {
    mkdirSync(root, { recursive: true });
    this.preserveOwners = options.preserveOwners ?? isRoot();
    this.preserveTimes = options.preserveTimes ?? true;
  }

  /** Places one entry, or records why it was left out. */
  async entry(entry: CpioStreamEntry): Promise<void> {
    try {
      const relative = await this.place(entry);
      if (relative !== undefined) this.options.onEntry?.(relative, entry);
    } catch (error) {
      if (!(error instanceof Skip)) throw error;
      this.report.skipped.push({ name: entry.name, reason: error.message, offset: entry.offset });
    }
  }

  /** Creates the entry by type; returns its relative path (undefined for the archive's root). */
  private async place(entry: CpioStreamEntry): Promise<string | undefined> {
    const parts = safeRelativePath(entry.name);
    const type = entry.mode & S_IFMT;
    if (parts.length === 0) {
      // The archive's root (`.`): its mode, owner and time go to the target directory itself.
      if (type !== S_IFDIR) throw new Skip('the root entry is not a directory');
      this.directoryFixups.set('', fixupOf(this.root, entry));
      return undefined;
    }
    const relative = parts.join('/');
    const path = diskPath(this.root, relative);
    this.ensureParents(parts);
    switch (type) {
      case S_IFDIR:
        this.makeDirectory(path, relative, entry);
        break;
      case S_IFREG:
        await this.writeFile(path, relative, entry);
        break;
      case S_IFLNK:
        await this.makeSymlink(path, relative, entry);
        break;
      case S_IFCHR:
      case S_IFBLK:
        if (!this.options.devices) {
          throw new Skip('device nodes are created only when asked (devices option, --devices)');
        }
        if (!isRoot()) throw new Skip('creating device nodes needs root');
        await this.makeNode(path, relative, entry);
        this.report.devices++;
        break;
      case S_IFIFO:
        await this.makeNode(path, relative, entry);
        this.report.fifos++;
        break;
      case S_IFSOCK:
        throw new Skip('sockets are not extracted (a socket is made by the program that listens on it)');
      default:
        throw new Skip(`unknown file type ${type.toString(8)}`);
    }
    return relative;
  }

  /** Makes sure every parent of `parts` is a real directory inside root, creating missing ones. */
  private ensureParents(parts: string[]): void {
    let relative = '';
    for (const part of parts.slice(0, -1)) {
      relative = relative === '' ? part : `${relative}/${part}`;
      if (this.knownDirectories.has(relative)) continue;
      const path = diskPath(this.root, relative);
      const stats = lstatOrUndefined(path);
      if (stats === undefined) mkdirSync(path, { mode: 0o755 });
      else if (stats.isSymbolicLink()) throw new Skip(`parent ${relative} is a symlink`);
      else if (!stats.isDirectory()) throw new Skip(`parent ${relative} is not a directory`);
      this.knownDirectories.add(relative);
    }
  }

  /** Forgets what was known about `relative` and below (it is being replaced). */
  private forgetBelow(relative: string): void {
    for (const known of this.knownDirectories) {
      if (known === relative || known.startsWith(`${relative}/`)) this.knownDirectories.delete(known);
    }
    this.directoryFixups.delete(relative);
  }

  /**
   * Removes whatever is at `path` (not following symlinks) so a new entry can take its place; with
   * `keepDirectory`, an existing directory stays and true is returned.
   */
  private clearPath(path: DiskPath, relative: string, keepDirectory: boolean): boolean {
    const stats = lstatOrUndefined(path);
    if (stats === undefined) return false;
    if (stats.isDirectory()) {
      if (keepDirectory) return true;
      try {
        rmdirSync(path);
      } catch {
        throw new Skip('a non-empty directory is in the way');
      }
      this.forgetBelow(relative);
      return false;
    }
    unlinkSync(path);
    return false;
  }

  /** Clears the way for an entry that is not a directory. */
  private replace(path: DiskPath, relative: string): void {
    this.clearPath(path, relative, false);
    this.forgetBelow(relative);
  }

  private setAttributes(path: DiskPath, entry: CpioStreamEntry, isLink: boolean): void {
    if (this.preserveOwners) (isLink ? lchownSync : chownSync)(path, entry.uid, entry.gid);
    if (!isLink) chmodSync(path, entry.mode & 0o7777);
    if (this.preserveTimes) (isLink ? lutimesSync : utimesSync)(path, entry.mtime, entry.mtime);
  }

  private makeDirectory(path: DiskPath, relative: string, entry: CpioStreamEntry): void {
    if (!this.clearPath(path, relative, true)) mkdirSync(path, { mode: 0o700 });
    this.knownDirectories.add(relative);
    // Mode, owner and time are set at the end, once the directory's contents are in.
    this.directoryFixups.set(relative, fixupOf(path, entry));
    this.report.directories++;
  }

  /** A regular file, or a hard link to a file this extraction created for the same (dev, ino). */
  private async writeFile(path: DiskPath, relative: string, entry: CpioStreamEntry): Promise<void> {
    const key = entry.nlink >= 2 ? `${entry.devMajor}:${entry.devMinor}:${entry.ino}` : undefined;
    const group = key === undefined ? undefined : this.linkGroups.get(key);
    this.replace(path, relative);
    if (group !== undefined) {
      const existing = lstatOrUndefined(group.path);
      if (existing === undefined || !existing.isFile() || existing.ino !== group.ino) {
        throw new Skip('its hard-link target was replaced during extraction');
      }
      linkSync(group.path, path);
      if (entry.fileSize > 0) await writeOrRemove(path, entry, constants.O_TRUNC);
      this.report.hardLinks++;
    } else {
      await writeOrRemove(path, entry, constants.O_CREAT | constants.O_EXCL);
      if (key !== undefined) this.linkGroups.set(key, { path, ino: lstatSync(path).ino });
      this.report.files++;
    }
    this.setAttributes(path, entry, false);
  }

  private async makeSymlink(path: DiskPath, relative: string, entry: CpioStreamEntry): Promise<void> {
    const target = linkTarget({ data: await entry.bytes(4096) });
    this.replace(path, relative);
    symlinkSync(Buffer.from(encodeCpioName(target)), path);
    this.setAttributes(path, entry, true);
    this.report.symlinks++;
  }

  /** A fifo or device node through mknod(2) (make-node.ts), never a spawned mknod or mkfifo. */
  private async makeNode(path: DiskPath, relative: string, entry: CpioStreamEntry): Promise<void> {
    this.replace(path, relative);
    const failure = await makeNode(path, entry.mode & (S_IFMT | 0o7777), entry.rdevMajor, entry.rdevMinor);
    if (failure !== undefined) throw new Skip(failure);
    this.setAttributes(path, entry, false);
  }

  /**
   * Directories last and deepest first, so writing their contents did not disturb their times and a
   * read-only directory was still writable while it was filled.
   */
  finishDirectories(): void {
    const fixups = [...this.directoryFixups.values()].sort((a, b) => b.path.length - a.path.length);
    for (const fixup of fixups) {
      if (this.preserveOwners) chownSync(fixup.path, fixup.uid, fixup.gid);
      chmodSync(fixup.path, fixup.mode);
      if (this.preserveTimes) utimesSync(fixup.path, fixup.mtime, fixup.mtime);
    }
  }
}

function fixupOf(path: DiskPath, entry: CpioStreamEntry): DirectoryFixup {
  return { path, mode: entry.mode & 0o7777, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
}

/** writeData, removing the file when the data fails (a truncated archive): no partial file stays. */
async function writeOrRemove(path: DiskPath, entry: CpioStreamEntry, flags: number): Promise<void> {
  try {
    await writeData(path, entry, flags);
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
}

/** Writes an entry's data to `path`, never through a symlink (O_NOFOLLOW). */
async function writeData(path: DiskPath, entry: CpioStreamEntry, flags: number): Promise<void> {
  const descriptor = openSync(path, flags | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  try {
    for await (const chunk of entry.chunks()) {
      let written = 0;
      while (written < chunk.length) written += writeSync(descriptor, chunk, written, chunk.length - written);
    }
  } finally {
    closeSync(descriptor);
  }
}
