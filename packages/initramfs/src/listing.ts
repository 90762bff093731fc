/**
 * Listings of an initrd: the merged tree or each member's entries, as names (like `cpio -t`), long
 * lines (like `cpio -tv`), or JSON-ready records.
 */
import { entryToJson, formatLongListing, type LongListingOptions, S_IFLNK, S_IFMT } from '@initkit/cpio';
import type { MemberEntry } from './member.js';
import type { MergedTree, TreeNode } from './tree.js';
import { linkTargetOf } from './tree.js';

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
    linkTarget: (inode.mode & S_IFMT) === S_IFLNK ? linkTargetOf(inode) : undefined,
  };
}

function linkCounts(tree: MergedTree): (node: TreeNode) => number {
  const counts = new Map<unknown, number>();
  const nodes = tree.list();
  for (const node of nodes) counts.set(node.inode, (counts.get(node.inode) ?? 0) + 1);
  return (node) => ((node.inode.mode & S_IFMT) === 0o040000 ? 2 : (counts.get(node.inode) ?? 1));
}

/** The merged tree's paths, one a line, root first ('.'). */
export function listTree(tree: MergedTree, options: { long?: boolean } & LongListingOptions = {}): string[] {
  const nodes = tree.list();
  if (!options.long) return nodes.map((node) => node.path);
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
    linkTarget:
      (entry.mode & S_IFMT) === S_IFLNK && entry.data
        ? new TextDecoder().decode(entry.data).replace(/\0$/, '')
        : undefined,
  };
}

/** One member's entry names as stored (what `cpio -t` prints for it). */
export function listMember(
  entries: readonly MemberEntry[],
  options: { long?: boolean } & LongListingOptions = {},
): string[] {
  if (!options.long) return entries.map((entry) => entry.name);
  return entries.map((entry) => formatLongListing(entryRecord(entry), options));
}

export function memberEntriesToJson(entries: readonly MemberEntry[]): Record<string, unknown>[] {
  return entries.map((entry) => entryToJson(entryRecord(entry)));
}
