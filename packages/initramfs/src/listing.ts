/**
 * Listings of an initrd: the merged tree or each member's entries, as names (like `cpio -t`), long
 * lines (like `cpio -tv`), or JSON-ready records.
 */
import {
  entryToJson,
  escapeCpioName,
  formatLongListing,
  type LongListingOptions,
  linkTarget,
  parentPath,
  ROOT_NAME,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
} from '@initkit/cpio';
import type { MemberEntry } from './member.js';
import type { MergedTree, TreeNode } from './tree.js';

/** A listable record for one merged-tree node. */
export function nodeRecord(node: TreeNode, links: number) {
  const { inode } = node;
  return {
    name: node.path,
    ino: 0,
    mode: inode.mode,
    uid: inode.uid,
    gid: inode.gid,
    nlink: links,
    mtime: inode.mtime,
    devMajor: 0,
    devMinor: 0,
    rdevMajor: inode.rdevMajor,
    rdevMinor: inode.rdevMinor,
    fileSize: inode.size,
    linkTarget: (inode.mode & S_IFMT) === S_IFLNK ? linkTarget(inode) : undefined,
  };
}

/** Link counts as the unpacked tree has them: names per inode, and 2 + subdirectories for a directory. */
function linkCounts(tree: MergedTree): (node: TreeNode) => number {
  const counts = new Map<unknown, number>();
  const subdirectories = new Map<string, number>();
  for (const node of tree.list()) {
    counts.set(node.inode, (counts.get(node.inode) ?? 0) + 1);
    if ((node.inode.mode & S_IFMT) === S_IFDIR && node.path !== ROOT_NAME) {
      const parent = parentPath(node.path);
      subdirectories.set(parent, (subdirectories.get(parent) ?? 0) + 1);
    }
  }
  return (node) =>
    (node.inode.mode & S_IFMT) === S_IFDIR ? 2 + (subdirectories.get(node.path) ?? 0) : (counts.get(node.inode) ?? 1);
}

/** The merged tree's paths, one a line, root first ('.'); bytes that are not UTF-8 are escaped (`\\xff`). */
export function listTree(tree: MergedTree, options: { long?: boolean } & LongListingOptions = {}): string[] {
  const nodes = tree.list();
  if (!options.long) return nodes.map((node) => escapeCpioName(node.path));
  const links = linkCounts(tree);
  return nodes.map((node) => formatLongListing(nodeRecord(node, links(node)), options));
}

/** The merged tree as JSON records (name, type, mode, owner, size, link target, member). */
export function treeToJson(tree: MergedTree): Record<string, unknown>[] {
  const links = linkCounts(tree);
  return tree.list().map((node) => ({ ...entryToJson(nodeRecord(node, links(node))), member: node.inode.member }));
}

function entryRecord(entry: MemberEntry) {
  return {
    ...entry,
    fileSize: entry.size,
    linkTarget: (entry.mode & S_IFMT) === S_IFLNK ? linkTarget(entry) : undefined,
  };
}

/** One member's entry names as stored (what `cpio -t` prints for it). */
export function listMember(
  entries: readonly MemberEntry[],
  options: { long?: boolean } & LongListingOptions = {},
): string[] {
  if (!options.long) return entries.map((entry) => escapeCpioName(entry.name));
  return entries.map((entry) => formatLongListing(entryRecord(entry), options));
}

export function memberEntriesToJson(entries: readonly MemberEntry[]): Record<string, unknown>[] {
  return entries.map((entry) => entryToJson(entryRecord(entry)));
}
