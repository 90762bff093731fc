/**
 * Comparing two initrds by what the kernel would unpack from them: the paths only one of them has, and
 * the paths whose type, contents (file data, symlink target, device numbers), mode or owner differ.
 * Modification times are not compared.
 */
import { S_IFBLK, S_IFCHR, S_IFMT } from '@initkit/cpio';
import type { MergedTree, TreeInode } from './tree.js';

export type ChangeKind = 'type' | 'content' | 'mode' | 'owner';

export interface TreeDiff {
  added: string[];
  removed: string[];
  changed: { path: string; changes: ChangeKind[] }[];
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function differences(a: TreeInode, b: TreeInode): ChangeKind[] {
  if ((a.mode & S_IFMT) !== (b.mode & S_IFMT)) return ['type'];
  const changes: ChangeKind[] = [];
  const type = a.mode & S_IFMT;
  const content =
    type === S_IFCHR || type === S_IFBLK
      ? a.rdevMajor === b.rdevMajor && a.rdevMinor === b.rdevMinor
      : a.size === b.size && sameBytes(a.data, b.data);
  if (!content) changes.push('content');
  if ((a.mode & 0o7777) !== (b.mode & 0o7777)) changes.push('mode');
  if (a.uid !== b.uid || a.gid !== b.gid) changes.push('owner');
  return changes;
}

/** What changed from `before` to `after`, paths in tree order. */
export function diffTrees(before: MergedTree, after: MergedTree): TreeDiff {
  const diff: TreeDiff = { added: [], removed: [], changed: [] };
  for (const node of after.list()) {
    const old = before.node(node.path);
    if (!old) diff.added.push(node.path);
    else {
      const changes = differences(old.inode, node.inode);
      if (changes.length > 0) diff.changed.push({ path: node.path, changes });
    }
  }
  for (const node of before.list()) if (!after.node(node.path)) diff.removed.push(node.path);
  return diff;
}

/** The diff as text: "+ path", "- path", "~ path (content, mode)". */
export function formatDiff(diff: TreeDiff): string {
  const lines: string[] = [];
  for (const path of diff.added) lines.push(`+ ${path}`);
  for (const path of diff.removed) lines.push(`- ${path}`);
  for (const { path, changes } of diff.changed) lines.push(`~ ${path} (${changes.join(', ')})`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
