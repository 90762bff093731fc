/**
 * The archive model: an ordered map from normalised path to entry, to add, replace, remove and rename
 * entries and then serialize. Hard links are entries sharing an inode; the model keeps every link
 * pointing at the group's data so that removing or renaming any one of them loses nothing.
 */
import { isInitkitError } from '@initkit/core';
import { S_IFDIR, S_IFMT, S_IFREG } from './constants.js';
import type { CpioEntry, CpioEntryInput } from './entry.js';
import { cpioError } from './errors.js';
import { quoteCpioName } from './name.js';
import { normalizeCpioPath } from './path.js';
import { type ReadCpioOptions, readCpio } from './reader.js';
import { type WriteCpioOptions, writeCpio } from './writer.js';

const EMPTY = new Uint8Array(0);

function isRegular(entry: { mode: number }): boolean {
  return (entry.mode & S_IFMT) === S_IFREG;
}

function isDirectory(entry: { mode: number }): boolean {
  return (entry.mode & S_IFMT) === S_IFDIR;
}

export class CpioArchive implements Iterable<CpioEntry> {
  private map = new Map<string, CpioEntry>();
  private nextInode = 1;

  /**
   * The model of the archive starting at `options.offset` in `bytes`. Names are normalised; when a
   * name occurs twice the later entry wins, in the earlier one's place (as the kernel overwrites).
   */
  static parse(bytes: Uint8Array, options: ReadCpioOptions = {}): CpioArchive {
    const archive = new CpioArchive();
    const groupData = new Map<string, Uint8Array>();
    const records = readCpio(bytes, options).entries;
    for (const record of records) {
      if (isRegular(record) && record.nlink >= 2 && record.data.length > 0) {
        groupData.set(`${record.devMajor}:${record.devMinor}:${record.ino}`, record.data);
      }
    }
    for (const record of records) {
      const {
        format: _format,
        check: _check,
        nameBytes: _nameBytes,
        offset: _offset,
        dataOffset: _dataOffset,
        ...entry
      } = record;
      let data = entry.data;
      if (isRegular(entry) && entry.nlink >= 2 && data.length === 0) {
        data = groupData.get(`${entry.devMajor}:${entry.devMinor}:${entry.ino}`) ?? EMPTY;
      }
      try {
        archive.set({ ...entry, data });
      } catch (error) {
        if (isInitkitError(error, 'CPIO_BAD_PATH')) {
          throw cpioError('CPIO_BAD_PATH', error.message, { offset: record.offset });
        }
        throw error;
      }
    }
    return archive;
  }

  /** A model of `entries` (inputs with missing fields get the writer's defaults). */
  static from(entries: Iterable<CpioEntryInput>): CpioArchive {
    const archive = new CpioArchive();
    for (const entry of entries) archive.add(entry);
    return archive;
  }

  get size(): number {
    return this.map.size;
  }

  has(path: string): boolean {
    return this.map.has(normalizeCpioPath(path));
  }

  get(path: string): CpioEntry | undefined {
    return this.map.get(normalizeCpioPath(path));
  }

  paths(): string[] {
    return [...this.map.keys()];
  }

  entries(): CpioEntry[] {
    return [...this.map.values()];
  }

  [Symbol.iterator](): Iterator<CpioEntry> {
    return this.map.values();
  }

  private complete(input: CpioEntryInput, name: string): CpioEntry {
    const ino = input.ino ?? this.nextInode;
    this.nextInode = Math.max(this.nextInode, ino + 1);
    return {
      name,
      mode: input.mode,
      uid: input.uid ?? 0,
      gid: input.gid ?? 0,
      nlink: input.nlink ?? (isDirectory(input) ? 2 : 1),
      mtime: input.mtime ?? 0,
      ino,
      devMajor: input.devMajor ?? 0,
      devMinor: input.devMinor ?? 0,
      rdevMajor: input.rdevMajor ?? 0,
      rdevMinor: input.rdevMinor ?? 0,
      data: input.data ?? EMPTY,
    };
  }

  /** Adds an entry at the end; CPIO_EXISTS when the path is already there. */
  add(input: CpioEntryInput): CpioEntry {
    const name = normalizeCpioPath(input.name);
    if (this.map.has(name)) throw cpioError('CPIO_EXISTS', `cpio archive already has ${quoteCpioName(name)}`);
    const entry = this.complete(input, name);
    this.map.set(name, entry);
    return entry;
  }

  /** Replaces the entry at the same path, keeping its position; CPIO_NOT_FOUND when it is absent. */
  replace(input: CpioEntryInput): CpioEntry {
    const name = normalizeCpioPath(input.name);
    if (!this.map.has(name)) throw cpioError('CPIO_NOT_FOUND', `cpio archive has no ${quoteCpioName(name)}`);
    const entry = this.complete(input, name);
    this.map.set(name, entry);
    return entry;
  }

  /** Replaces the entry in place when the path exists, else adds it at the end. */
  set(input: CpioEntryInput): CpioEntry {
    const name = normalizeCpioPath(input.name);
    const entry = this.complete(input, name);
    this.map.set(name, entry);
    return entry;
  }

  /**
   * Removes an entry; with `recursive`, everything under it too. Returns the paths removed.
   * Removing a directory that still has children without `recursive` is CPIO_NOT_EMPTY.
   */
  remove(path: string, options: { recursive?: boolean } = {}): string[] {
    const name = normalizeCpioPath(path);
    if (!this.map.has(name)) throw cpioError('CPIO_NOT_FOUND', `cpio archive has no ${quoteCpioName(name)}`);
    const below = this.descendants(name);
    if (below.length > 0 && !options.recursive) {
      throw cpioError('CPIO_NOT_EMPTY', `cpio directory ${quoteCpioName(name)} still holds ${below.length} entries`);
    }
    const removed = [name, ...below];
    for (const path of removed) this.map.delete(path);
    return removed;
  }

  private descendants(name: string): string[] {
    if (name === '.') return [...this.map.keys()].filter((path) => path !== '.');
    const prefix = `${name}/`;
    return [...this.map.keys()].filter((path) => path.startsWith(prefix));
  }

  /**
   * Renames an entry (and everything under it, for a directory), keeping positions. The new path must
   * be free (CPIO_EXISTS) and must not be inside the old one.
   */
  rename(from: string, to: string): void {
    const source = normalizeCpioPath(from);
    const target = normalizeCpioPath(to);
    if (!this.map.has(source)) throw cpioError('CPIO_NOT_FOUND', `cpio archive has no ${quoteCpioName(source)}`);
    if (source === target) return;
    if (source === '.' || target.startsWith(`${source}/`)) {
      throw cpioError('CPIO_BAD_PATH', `cannot rename ${quoteCpioName(source)} into itself (${quoteCpioName(target)})`);
    }
    if (this.map.has(target)) throw cpioError('CPIO_EXISTS', `cpio archive already has ${quoteCpioName(target)}`);
    const prefix = `${source}/`;
    const renamed = new Map<string, CpioEntry>();
    for (const [path, entry] of this.map) {
      let newPath = path;
      if (path === source) newPath = target;
      else if (path.startsWith(prefix)) newPath = target + path.slice(source.length);
      if (newPath !== path && renamed.has(newPath)) {
        throw cpioError('CPIO_EXISTS', `cpio archive already has ${quoteCpioName(newPath)}`);
      }
      if (newPath !== path && this.map.has(newPath)) {
        throw cpioError('CPIO_EXISTS', `cpio archive already has ${quoteCpioName(newPath)}`);
      }
      renamed.set(newPath, newPath === path ? entry : { ...entry, name: newPath });
    }
    this.map = renamed;
  }

  /**
   * Adds `path` as a hard link to the regular file `existing`: both then share an inode and data, and
   * the link count of every link in the group is updated.
   */
  link(path: string, existing: string): CpioEntry {
    const target = this.get(existing);
    if (!target) throw cpioError('CPIO_NOT_FOUND', `cpio archive has no ${quoteCpioName(existing)}`);
    if (!isRegular(target)) {
      throw cpioError('CPIO_BAD_LINK', `hard link target ${quoteCpioName(target.name)} is not a regular file`);
    }
    const entry = this.add({ ...target, name: path });
    const group = [...this.map.values()].filter(
      (other) =>
        isRegular(other) &&
        other.ino === target.ino &&
        other.devMajor === target.devMajor &&
        other.devMinor === target.devMinor &&
        (other === entry || other === target || other.nlink >= 2),
    );
    for (const member of group) member.nlink = group.length;
    return entry;
  }

  /** The archive's bytes (newc unless `options.format` says crc). */
  serialize(options: WriteCpioOptions = {}): Uint8Array {
    return writeCpio(this.entries(), options);
  }
}
