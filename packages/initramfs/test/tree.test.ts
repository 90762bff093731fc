import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '@initkit/cpio';
import { describe, expect, it } from 'vitest';
import { EDIT_MEMBER, MergedTree, type TreeEntryInput } from '../src/tree.js';
import { text } from './build.js';

const encoder = new TextEncoder();

function entry(path: string, mode: number, data = '', extra: Partial<TreeEntryInput> = {}): TreeEntryInput {
  const bytes = encoder.encode(data);
  return {
    path,
    mode,
    uid: 0,
    gid: 0,
    mtime: 0,
    ino: 0,
    nlink: 1,
    devMajor: 0,
    devMinor: 0,
    rdevMajor: 0,
    rdevMinor: 0,
    size: bytes.length,
    data: bytes,
    ...extra,
  };
}
const file = (path: string, data: string, mode = 0o644, extra: Partial<TreeEntryInput> = {}) =>
  entry(path, S_IFREG | mode, data, extra);
const dir = (path: string, mode = 0o755) => entry(path, S_IFDIR | mode);
const link = (path: string, target: string) => entry(path, S_IFLNK | 0o777, target);

function treeOf(...members: TreeEntryInput[][]): MergedTree {
  const tree = new MergedTree();
  members.forEach((entries, index) => {
    tree.startArchive();
    for (const e of entries) tree.apply(e, index);
  });
  return tree;
}

describe('MergedTree: the kernel overwrite rules', () => {
  it('rewrites a regular file from a later member and records the overwrite', () => {
    const tree = treeOf([dir('etc'), file('etc/a', 'one')], [file('etc/a', 'two', 0o600)]);
    const node = tree.node('etc/a')!;
    expect(text(node.inode.data)).toBe('two');
    expect(node.inode.mode & 0o7777).toBe(0o600);
    expect(node.inode.member).toBe(1);
    expect(tree.overwrites).toEqual([
      { path: 'etc/a', previousMember: 0, previousType: 'file', member: 1, type: 'file' },
    ]);
  });

  it('keeps a directory and its contents when a later member declares it again, with the new mode', () => {
    const tree = treeOf([dir('etc'), file('etc/a', 'one')], [dir('etc', 0o700), file('etc/b', 'two')]);
    expect(tree.childNames('etc')).toEqual(['a', 'b']);
    expect(tree.node('etc')!.inode.mode & 0o7777).toBe(0o700);
  });

  it('replaces a file by a directory and a symlink by a file (different types are removed first)', () => {
    const tree = treeOf([file('x', 'file'), link('y', 'x')], [dir('x'), file('y', 'now a file')]);
    expect(tree.node('x')!.inode.mode & S_IFMT).toBe(S_IFDIR);
    expect(text(tree.node('y')!.inode.data)).toBe('now a file');
    expect(tree.overwrites.map((o) => `${o.path}:${o.previousType}->${o.type}`)).toEqual([
      'x:file->directory',
      'y:symlink->file',
    ]);
  });

  it('cannot replace a non-empty directory by a file: the entry is dropped', () => {
    const tree = treeOf([dir('d'), file('d/f', 'kept')], [file('d', 'file')]);
    expect(tree.node('d')!.inode.mode & S_IFMT).toBe(S_IFDIR);
    expect(tree.dropped).toEqual([{ path: 'd', member: 1, reason: 'a non-empty directory stands in the way' }]);
  });

  it('follows symlinks in parent components (a usr-merged lib -> usr/lib)', () => {
    const tree = treeOf(
      [dir('usr'), dir('usr/lib'), link('lib', 'usr/lib')],
      [dir('lib/modules'), file('lib/modules/m.ko', 'elf')],
    );
    expect(tree.node('lib')!.inode.mode & S_IFMT).toBe(S_IFLNK);
    expect(text(tree.node('usr/lib/modules/m.ko')!.inode.data)).toBe('elf');
    expect(tree.lookup('lib/modules/m.ko')?.path).toBe('usr/lib/modules/m.ko');
  });

  it('drops an entry whose parent is missing, as the kernel does', () => {
    const tree = treeOf([file('no/such/dir/f', 'x')]);
    expect(tree.node('no/such/dir/f')).toBeUndefined();
    expect(tree.dropped[0]?.reason).toMatch(/parent/);
  });

  it('links hard links within one archive and lets a later write change every link', () => {
    const links = { ino: 7, nlink: 2 };
    const tree = treeOf([file('a', '', 0o644, links), file('b', 'shared', 0o644, links)], [file('a', 'rewritten')]);
    expect(tree.node('a')!.inode).toBe(tree.node('b')!.inode);
    expect(text(tree.node('b')!.inode.data)).toBe('rewritten');
    expect([...tree.hardLinkGroups().values()]).toEqual([['a', 'b']]);
  });

  it('forgets hard links at each trailer', () => {
    const links = { ino: 7, nlink: 2 };
    const tree = treeOf([file('a', 'first', 0o644, links)], [file('b', 'second', 0o644, links)]);
    expect(tree.node('a')!.inode).not.toBe(tree.node('b')!.inode);
  });

  it('resolves absolute and relative symlinks, and stops on loops', () => {
    const tree = treeOf([
      dir('usr'),
      dir('usr/bin'),
      link('bin', '/usr/bin'),
      link('loop', 'loop'),
      file('usr/bin/sh', 'x'),
    ]);
    expect(tree.lookup('bin/sh')?.path).toBe('usr/bin/sh');
    expect(tree.resolve('loop/x')).toBeUndefined();
  });

  it('clones without sharing inodes with the original, keeping hard links shared', () => {
    const links = { ino: 1, nlink: 2 };
    const tree = treeOf([file('a', '', 0o644, links), file('b', 'x', 0o644, links)]);
    const copy = tree.clone();
    copy.apply(file('a', 'changed'), EDIT_MEMBER);
    expect(text(tree.node('a')!.inode.data)).toBe('x');
    expect(text(copy.node('b')!.inode.data)).toBe('changed');
  });
});
