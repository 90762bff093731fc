/**
 * Turning a list of entries into exactly what will be written: defaults filled in, the reproducible
 * options applied (fixed mtime/uid/gid, sorted paths, inodes renumbered), and hard links resolved so
 * that each group's data is stored once, on its first or last link. Pure: same input, same plan.
 */
import { S_IFDIR, S_IFMT, S_IFREG } from './constants.js';
import type { CpioEntryInput, CpioHeaderFields } from './entry.js';
import { cpioError } from './errors.js';
import { decodeCpioName, encodeCpioName, escapeCpioName, quoteCpioName } from './name.js';
import { comparePaths } from './path.js';

export interface PlanOptions {
  /** Put a hard-link group's data on its first or its last link (default 'last', as GNU cpio does). */
  hardLinkData?: 'first' | 'last';
  /** Write this mtime on every entry. */
  mtime?: number;
  /** Write this owner on every entry. */
  uid?: number;
  gid?: number;
  /** Renumber inodes from this value in output order (hard links keep sharing one). */
  inodeStart?: number;
  /** Sort entries by path, component by component (parents come before their children). */
  sort?: boolean;
  /**
   * Shortcut for byte-for-byte repeatable output: sort, mtime 0 (unless `mtime` is given), uid and gid
   * 0 (unless given), inodes from 1 (unless `inodeStart` is given), device numbers of the holding
   * file system zeroed, and hard-link counts equal to the links present.
   */
  reproducible?: boolean;
}

/** An input entry that may carry its data later: `size` is its length (the Node packer reads lazily). */
export interface PlanInput extends CpioEntryInput {
  size?: number;
}

export interface PlannedEntry<T extends PlanInput = PlanInput> extends CpioHeaderFields {
  name: string;
  nameBytes: Uint8Array;
  /** Bytes of data this entry stores (0 for the links of a group that do not carry the data). */
  fileSize: number;
  /** The data to store, when the input had it (undefined for lazy inputs); empty when fileSize is 0. */
  data: Uint8Array | undefined;
  /** The input entry whose data is stored here (for lazy inputs, read it from this one). */
  source: T;
}

const EMPTY = new Uint8Array(0);

function inputSize(entry: PlanInput): number {
  return entry.data?.length ?? entry.size ?? 0;
}

function isRegular(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}

function linkKey(entry: PlanInput): string | undefined {
  if (!isRegular(entry.mode) || entry.ino === undefined || (entry.nlink ?? 1) < 2) return undefined;
  return `${entry.devMajor ?? 0}:${entry.devMinor ?? 0}:${entry.ino}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  if (a.buffer === b.buffer && a.byteOffset === b.byteOffset) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkField(value: number, what: string, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw cpioError('CPIO_BAD_FIELD', `cpio entry ${escapeCpioName(name)}: ${what} ${value} does not fit in 32 bits`);
  }
  return value;
}

/** The stored bytes: `nameBytes` when they are the name (up to a NUL, as readers read it), else the name's. */
function encodeName(entry: PlanInput): Uint8Array {
  const given = entry.nameBytes;
  if (given !== undefined) {
    const nul = given.indexOf(0);
    if (decodeCpioName(nul < 0 ? given : given.subarray(0, nul)) === entry.name) return given;
  }
  return encodeCpioName(entry.name);
}

function largestInode(entries: readonly PlanInput[]): number {
  let largest = 0;
  for (const entry of entries) if (entry.ino !== undefined && entry.ino > largest) largest = entry.ino;
  return largest;
}

/** Resolves `entries` into the records to write, in output order. */
export function planEntries<T extends PlanInput>(entries: readonly T[], options: PlanOptions = {}): PlannedEntry<T>[] {
  const reproducible = options.reproducible ?? false;
  const ordered = options.sort || reproducible ? [...entries].sort((a, b) => comparePaths(a.name, b.name)) : entries;
  const inodeStart = options.inodeStart ?? (reproducible ? 1 : undefined);
  const fixedMtime = options.mtime ?? (reproducible ? 0 : undefined);
  const fixedUid = options.uid ?? (reproducible ? 0 : undefined);
  const fixedGid = options.gid ?? (reproducible ? 0 : undefined);
  const dataOnFirst = options.hardLinkData === 'first';

  // Hard-link groups: members in output order, and which member carries the data.
  const groups = new Map<string, number[]>();
  ordered.forEach((entry, index) => {
    const key = linkKey(entry);
    if (key === undefined) return;
    const members = groups.get(key);
    if (members) members.push(index);
    else groups.set(key, [index]);
  });
  const carrier = new Map<number, number>(); // member index -> index of the input holding the data
  const groupOf = new Map<number, number[]>();
  for (const members of groups.values()) {
    let holder = members[0]!;
    for (const index of members) {
      const candidate = ordered[index]!;
      if (inputSize(candidate) === 0) continue;
      const current = ordered[holder]!;
      if (inputSize(current) === 0) {
        holder = index;
        continue;
      }
      if (candidate.data && current.data && !sameBytes(candidate.data, current.data)) {
        throw cpioError(
          'CPIO_HARDLINK_CONFLICT',
          `hard links ${quoteCpioName(current.name)} and ${quoteCpioName(candidate.name)} share an inode but carry different data`,
        );
      }
    }
    const storeAt = dataOnFirst ? members[0]! : members[members.length - 1]!;
    carrier.set(storeAt, holder);
    for (const index of members) groupOf.set(index, members);
  }

  // Inode numbers: renumbered in output order, or kept, with fresh numbers for entries that lack one.
  const newInode = new Map<string, number>();
  let nextInode = inodeStart ?? 1 + largestInode(ordered);

  return ordered.map((entry, index) => {
    const name = entry.name;
    const members = groupOf.get(index);
    let ino: number;
    if (inodeStart !== undefined || entry.ino === undefined) {
      const key = linkKey(entry);
      const known = key === undefined ? undefined : newInode.get(key);
      if (known !== undefined) ino = known;
      else {
        ino = nextInode++;
        if (key !== undefined) newInode.set(key, ino);
      }
    } else ino = entry.ino;

    let nlink = entry.nlink ?? ((entry.mode & S_IFMT) === S_IFDIR ? 2 : 1);
    if (members && (reproducible || inodeStart !== undefined || entry.nlink === undefined)) nlink = members.length;

    let fileSize = inputSize(entry);
    let data = entry.data ?? (fileSize === 0 ? EMPTY : undefined);
    let source = entry;
    if (members) {
      const holderIndex = carrier.get(index);
      if (holderIndex === undefined) {
        fileSize = 0;
        data = EMPTY;
      } else {
        source = ordered[holderIndex]!;
        fileSize = inputSize(source);
        data = source.data ?? (fileSize === 0 ? EMPTY : undefined);
      }
    }
    return {
      name,
      nameBytes: encodeName(entry),
      ino: checkField(ino, 'ino', name),
      mode: checkField(entry.mode, 'mode', name),
      uid: checkField(fixedUid ?? entry.uid ?? 0, 'uid', name),
      gid: checkField(fixedGid ?? entry.gid ?? 0, 'gid', name),
      nlink: checkField(nlink, 'nlink', name),
      mtime: checkField(fixedMtime ?? entry.mtime ?? 0, 'mtime', name),
      devMajor: reproducible ? 0 : checkField(entry.devMajor ?? 0, 'devMajor', name),
      devMinor: reproducible ? 0 : checkField(entry.devMinor ?? 0, 'devMinor', name),
      rdevMajor: checkField(entry.rdevMajor ?? 0, 'rdevMajor', name),
      rdevMinor: checkField(entry.rdevMinor ?? 0, 'rdevMinor', name),
      fileSize: checkField(fileSize, 'file size', name),
      data,
      source,
    };
  });
}
