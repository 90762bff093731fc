/**
 * The merged tree: what the kernel's initramfs unpacker leaves in rootfs after reading every member
 * in order. Entries are applied with the kernel's rules (init/initramfs.c): a different file type at
 * the path is removed first (a directory only when empty), a regular file is truncated and rewritten
 * in place (so its other hard links see the new contents), a symlink replaces whatever was there, a
 * directory that exists keeps its contents and takes the later mode and owner, a device or fifo that
 * exists keeps its device numbers. Parent components are resolved through symlinks, as the kernel's
 * path lookups do; an entry whose parent does not exist is dropped, as the kernel drops it.
 */
import {
  type CpioEntryType,
  type CpioHeaderFields,
  comparePaths,
  entryType,
  linkTarget,
  ROOT_NAME,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from '@initkit/cpio';
import { initramfsError } from './errors.js';

/** The member index recorded for changes made by an edit rather than read from a member. */
export const EDIT_MEMBER = -1;

/** What a path holds. Hard links share one inode object. */
export interface TreeInode {
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  /** Bytes of data (file contents, symlink target). */
  size: number;
  /** The data, when it was kept (readers may drop the contents of files nobody asked for). */
  data: Uint8Array | undefined;
  /** Index of the member that last wrote this inode (EDIT_MEMBER for an edit). */
  member: number;
  /** The member entry the contents came from, to read them again when they were not kept. */
  source?: DataSource;
}

/** An entry of a member, by position: the `entry`-th record of member `member` (from 0). */
export interface DataSource {
  member: number;
  entry: number;
}

export interface TreeNode {
  /** Normalised path without a leading slash ('.' is the root). */
  path: string;
  inode: TreeInode;
}

/** One entry as the tree applies it: header fields, a normalised path and the data if kept. */
export interface TreeEntryInput extends CpioHeaderFields {
  path: string;
  size: number;
  data: Uint8Array | undefined;
}

/** A path one member changed after an earlier member had created it. */
export interface Overwrite {
  path: string;
  /** The member that wrote it before. */
  previousMember: number;
  previousType: CpioEntryType;
  /** The member that overwrote it. */
  member: number;
  type: CpioEntryType;
}

/** An entry the kernel would not create, and why. */
export interface DroppedEntry {
  path: string;
  member: number;
  reason: string;
}

const MAX_SYMLINK_HOPS = 40;

function isDirectory(inode: TreeInode): boolean {
  return (inode.mode & S_IFMT) === S_IFDIR;
}

function joinPath(directory: string, name: string): string {
  return directory === ROOT_NAME ? name : `${directory}/${name}`;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? ROOT_NAME : path.slice(0, slash);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export class MergedTree {
  private readonly nodes = new Map<string, TreeNode>();
  private readonly children = new Map<string, Set<string>>();
  /** Paths later members changed, in order (directories re-declared with the same type are not listed). */
  readonly overwrites: Overwrite[] = [];
  readonly dropped: DroppedEntry[] = [];
  /** The kernel's hard-link table for the archive being read: (dev, ino, type) -> first path. */
  private linkTable = new Map<string, string>();
  /** Position in its member of the entry being applied. */
  private entryIndex: number | undefined;

  constructor() {
    const root: TreeInode = {
      mode: S_IFDIR | 0o755,
      uid: 0,
      gid: 0,
      mtime: 0,
      rdevMajor: 0,
      rdevMinor: 0,
      size: 0,
      data: undefined,
      member: EDIT_MEMBER,
    };
    this.nodes.set(ROOT_NAME, { path: ROOT_NAME, inode: root });
    this.children.set(ROOT_NAME, new Set());
  }

  get size(): number {
    return this.nodes.size;
  }

  /** The node at a canonical path (no symlink resolution). */
  node(path: string): TreeNode | undefined {
    return this.nodes.get(path);
  }

  /** Every node, parents before children, in path order; the root first. */
  list(): TreeNode[] {
    const out: TreeNode[] = [];
    const walk = (path: string): void => {
      const node = this.nodes.get(path);
      if (!node) return;
      out.push(node);
      const names = this.children.get(path);
      if (!names || names.size === 0) return;
      for (const name of [...names].sort(compareNames)) walk(joinPath(path, name));
    };
    walk(ROOT_NAME);
    return out;
  }

  /** Names directly inside a directory (canonical path), sorted. */
  childNames(path: string): string[] {
    return [...(this.children.get(path) ?? [])].sort(compareNames);
  }

  /**
   * The canonical path a normalised path stands for: every component but the last is followed
   * through symlinks (the last too when `followLast`). Undefined when a component is missing or not
   * a directory, or links loop.
   */
  resolve(path: string, followLast = false): string | undefined {
    if (path === ROOT_NAME) return ROOT_NAME;
    const hops = { count: 0 };
    return this.walk(ROOT_NAME, path.split('/'), followLast, hops);
  }

  private walk(
    start: string,
    parts: readonly string[],
    followLast: boolean,
    hops: { count: number },
  ): string | undefined {
    let current = start;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      if (part === '' || part === '.') {
        if (last) return current;
        continue;
      }
      if (part === '..') {
        current = parentOf(current);
        continue;
      }
      const candidate = joinPath(current, part);
      const node = this.nodes.get(candidate);
      if (last && !followLast) return candidate;
      if (!node) return last ? candidate : undefined;
      if ((node.inode.mode & S_IFMT) === S_IFLNK) {
        if (++hops.count > MAX_SYMLINK_HOPS) return undefined;
        const target = linkTarget(node.inode);
        if (target === undefined) return undefined;
        const resolved = this.walk(target.startsWith('/') ? ROOT_NAME : current, target.split('/'), true, hops);
        if (resolved === undefined) return undefined;
        current = resolved;
        continue;
      }
      if (!last && !isDirectory(node.inode)) return undefined;
      current = candidate;
    }
    return current;
  }

  /** The node a path leads to, following symlinks all the way (as open() does). */
  lookup(path: string): TreeNode | undefined {
    const resolved = this.resolve(path, true);
    return resolved === undefined ? undefined : this.nodes.get(resolved);
  }

  /** Starts a new archive: the kernel forgets hard links at every TRAILER!!!. */
  startArchive(): void {
    this.linkTable = new Map();
  }

  /**
   * Applies one entry as the kernel's unpacker does. `entryIndex` (its position in the member) is
   * recorded as where a file's contents come from.
   */
  apply(entry: TreeEntryInput, member: number, entryIndex?: number): void {
    this.entryIndex = entryIndex;
    const resolved = this.resolveForCreate(entry.path);
    if (resolved === undefined) {
      this.dropped.push({ path: entry.path, member, reason: 'a parent directory is missing or not a directory' });
      return;
    }
    if (resolved === ROOT_NAME) {
      if ((entry.mode & S_IFMT) === S_IFDIR) this.updateAttributes(this.nodes.get(ROOT_NAME)!, entry, member);
      else this.dropped.push({ path: entry.path, member, reason: 'only a directory can stand at the root' });
      return;
    }
    const type = entry.mode & S_IFMT;
    const existing = this.nodes.get(resolved);
    // clean_path(): a different type is removed first (symlinks and hard links: always).
    const linkTarget = type !== S_IFDIR && type !== S_IFLNK ? this.hardLinkSource(entry, resolved) : undefined;
    if (existing) {
      const existingType = existing.inode.mode & S_IFMT;
      const removeAnyway = type === S_IFLNK || linkTarget !== undefined;
      if (existingType !== type || removeAnyway) {
        if (!this.remove(resolved)) {
          this.dropped.push({ path: entry.path, member, reason: 'a non-empty directory stands in the way' });
          return;
        }
        this.recordOverwrite(existing, resolved, entry, member);
      } else if (existingType !== S_IFDIR) {
        this.recordOverwrite(existing, resolved, entry, member);
      } else if (existing.inode.member !== member && (existing.inode.mode & 0o7777) !== (entry.mode & 0o7777)) {
        this.recordOverwrite(existing, resolved, entry, member);
      }
    }
    const current = this.nodes.get(resolved);

    if (linkTarget !== undefined) {
      const source = this.nodes.get(linkTarget);
      if (!source) {
        this.dropped.push({ path: entry.path, member, reason: `hard link target ${linkTarget} is gone` });
        return;
      }
      this.insert(resolved, source.inode);
      if (type === S_IFREG) this.writeFile(source.inode, entry, member, false);
      return;
    }
    if (type === S_IFREG) {
      if (current) {
        this.writeFile(current.inode, entry, member, true);
        return;
      }
      this.insert(resolved, this.newInode(entry, member));
      return;
    }
    if (type === S_IFDIR) {
      if (current) {
        this.updateAttributes(current, entry, member);
        return;
      }
      this.insert(resolved, this.newInode(entry, member));
      return;
    }
    if (type === S_IFLNK) {
      this.insert(resolved, this.newInode(entry, member));
      return;
    }
    // Devices, fifos, sockets: mknod fails on an existing node, which then only takes the new owner and mode.
    if (current) {
      this.updateAttributes(current, entry, member);
      return;
    }
    this.insert(resolved, this.newInode(entry, member));
  }

  /** Removes a path (a directory only when empty). Returns false when it could not. */
  remove(path: string): boolean {
    const node = this.nodes.get(path);
    if (!node || path === ROOT_NAME) return node === undefined;
    const names = this.children.get(path);
    if (names && names.size > 0) return false;
    this.nodes.delete(path);
    this.children.delete(path);
    this.children.get(parentOf(path))?.delete(baseName(path));
    return true;
  }

  /** Removes a path and, for a directory, everything under it. Returns the paths removed. */
  removeRecursive(path: string): string[] {
    const removed: string[] = [];
    const walk = (at: string): void => {
      for (const name of [...(this.children.get(at) ?? [])]) walk(joinPath(at, name));
      if (this.remove(at)) removed.push(at);
    };
    if (this.nodes.has(path) && path !== ROOT_NAME) walk(path);
    return removed;
  }

  /** Puts an inode at a canonical path whose parent exists (used by edits). */
  insert(path: string, inode: TreeInode): void {
    const parent = parentOf(path);
    if (!this.children.has(parent)) {
      throw initramfsError('INITRAMFS_NO_PARENT', `cannot create ${path}: ${parent} is not a directory in the tree`);
    }
    this.nodes.set(path, { path, inode });
    this.children.get(parent)!.add(baseName(path));
    if (isDirectory(inode) && !this.children.has(path)) this.children.set(path, new Set());
  }

  /** A deep copy (inodes copied, hard links kept shared), for planning edits without touching this tree. */
  clone(): MergedTree {
    const copy = new MergedTree();
    const inodes = new Map<TreeInode, TreeInode>();
    for (const node of this.list()) {
      let inode = inodes.get(node.inode);
      if (!inode) {
        inode = { ...node.inode };
        inodes.set(node.inode, inode);
      }
      if (node.path === ROOT_NAME) copy.nodes.set(ROOT_NAME, { path: ROOT_NAME, inode });
      else copy.insert(node.path, inode);
    }
    return copy;
  }

  /** Paths sharing each inode that has more than one path, keyed by the inode. */
  hardLinkGroups(): Map<TreeInode, string[]> {
    const groups = new Map<TreeInode, string[]>();
    for (const node of this.nodes.values()) {
      if ((node.inode.mode & S_IFMT) !== S_IFREG) continue;
      const paths = groups.get(node.inode);
      if (paths) paths.push(node.path);
      else groups.set(node.inode, [node.path]);
    }
    for (const [inode, paths] of groups) if (paths.length < 2) groups.delete(inode);
    return groups;
  }

  private resolveForCreate(path: string): string | undefined {
    const resolved = this.resolve(path, false);
    if (resolved === undefined) return undefined;
    if (resolved === ROOT_NAME) return resolved;
    const parent = this.nodes.get(parentOf(resolved));
    return parent && isDirectory(parent.inode) ? resolved : undefined;
  }

  /** maybe_link(): a second link of (dev, ino, type) in one archive links to the first one's path. */
  private hardLinkSource(entry: TreeEntryInput, resolved: string): string | undefined {
    if (entry.nlink < 2) return undefined;
    const key = `${entry.devMajor}:${entry.devMinor}:${entry.ino}:${entry.mode & S_IFMT}`;
    const first = this.linkTable.get(key);
    if (first === undefined) {
      this.linkTable.set(key, resolved);
      return undefined;
    }
    return first === resolved ? undefined : first;
  }

  private newInode(entry: TreeEntryInput, member: number): TreeInode {
    return {
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      mtime: entry.mtime,
      rdevMajor: entry.rdevMajor,
      rdevMinor: entry.rdevMinor,
      size: entry.size,
      data: entry.data,
      member,
      source: this.dataSource(member),
    };
  }

  private dataSource(member: number): DataSource | undefined {
    return this.entryIndex === undefined || member === EDIT_MEMBER ? undefined : { member, entry: this.entryIndex };
  }

  /** A regular file written into an existing inode: truncated (new file) or only rewritten when data comes. */
  private writeFile(inode: TreeInode, entry: TreeEntryInput, member: number, truncate: boolean): void {
    if (truncate || entry.size > 0) {
      inode.size = entry.size;
      inode.data = entry.data;
      inode.source = this.dataSource(member);
    }
    inode.mode = entry.mode;
    inode.uid = entry.uid;
    inode.gid = entry.gid;
    inode.mtime = entry.mtime;
    inode.member = member;
  }

  private updateAttributes(node: TreeNode, entry: TreeEntryInput, member: number): void {
    const inode = node.inode;
    inode.mode = (inode.mode & S_IFMT) | (entry.mode & 0o7777);
    inode.uid = entry.uid;
    inode.gid = entry.gid;
    inode.mtime = entry.mtime;
    inode.member = member;
  }

  private recordOverwrite(existing: TreeNode, path: string, entry: TreeEntryInput, member: number): void {
    if (existing.inode.member === member) return;
    this.overwrites.push({
      path,
      previousMember: existing.inode.member,
      previousType: entryType(existing.inode.mode),
      member,
      type: entryType(entry.mode),
    });
  }
}

/** Sorts directory entries the way comparePaths orders whole paths. */
function compareNames(a: string, b: string): number {
  return comparePaths(a, b);
}

/** @deprecated Use `linkTarget(inode)` from @initkit/cpio (re-exported here): one name for a symlink's target. */
export function linkTargetOf(inode: TreeInode): string | undefined {
  return linkTarget(inode);
}
