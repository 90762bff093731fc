/**
 * Test helpers for the cpio suite: fixture paths, a description of a directory tree (type, mode,
 * content, link target, device numbers, hard-link groups) to compare extractions file by file, and
 * error assertions.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InitkitError } from '@initkit/core';
import { deviceMajor, deviceMinor } from '@initkit/cpio/node';
import { expect } from 'vitest';

export const fixtures = fileURLToPath(new URL('../../../fixtures/cpio/', import.meta.url));
export const hostileDir = fileURLToPath(new URL('./hostile/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(fixtures, name)));
}

export interface TreeNode {
  type: string;
  /** Permission bits (left out for symlinks, whose mode means nothing). */
  mode?: number;
  content?: string;
  target?: string;
  rdev?: string;
  /** The first path (in sorted order) of this node's hard-link group, when it has several links. */
  linkGroup?: string;
}

/** Every path under `root` (relative, sorted) with what it is. Directory and symlink mtimes are left out. */
export function describeTree(
  root: string,
  options: { mtimes?: boolean } = {},
): Record<string, TreeNode & { mtime?: number }> {
  const paths: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      paths.push(path);
      if (lstatSync(join(root, path)).isDirectory()) walk(path);
    }
  };
  walk('');
  paths.sort();
  const groups = new Map<number, string[]>();
  for (const path of paths) {
    const stats = lstatSync(join(root, path));
    if (stats.isFile() && stats.nlink > 1) groups.set(stats.ino, [...(groups.get(stats.ino) ?? []), path]);
  }
  const tree: Record<string, TreeNode & { mtime?: number }> = {};
  for (const path of paths) {
    const full = join(root, path);
    const stats = lstatSync(full);
    const node: TreeNode & { mtime?: number } = { type: kind(stats), mode: stats.mode & 0o7777 };
    if (stats.isFile()) node.content = readFileSync(full).toString('latin1');
    if (stats.isSymbolicLink()) {
      node.target = readlinkSync(full);
      delete node.mode;
    }
    if (stats.isCharacterDevice() || stats.isBlockDevice())
      node.rdev = `${deviceMajor(stats.rdev)}:${deviceMinor(stats.rdev)}`;
    const group = stats.isFile() ? groups.get(stats.ino) : undefined;
    if (group && group.length > 1) node.linkGroup = group[0];
    // GNU cpio does not restore the times of symlinks; compare those of everything else.
    if (options.mtimes && !stats.isDirectory() && !stats.isSymbolicLink())
      node.mtime = Math.floor(stats.mtimeMs / 1000);
    tree[path] = node;
  }
  return tree;
}

function kind(stats: Stats): string {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isCharacterDevice()) return 'char-device';
  if (stats.isBlockDevice()) return 'block-device';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return 'unknown';
}

/** Asserts `caught` is an InitkitError with `code` (and `offset`, when given). */
function expectCaught(caught: unknown, code: string, offset: number | undefined): InitkitError {
  expect(caught, `expected ${code}`).toBeInstanceOf(InitkitError);
  const error = caught as InitkitError;
  expect(error.code).toBe(code);
  if (offset !== undefined) expect(error.offset).toBe(offset);
  return error;
}

/** Asserts `action` throws an InitkitError with `code` (and `offset`, when given). */
export function expectCode(action: () => unknown, code: string, offset?: number): InitkitError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  return expectCaught(caught, code, offset);
}

/** expectCode for an action that rejects. */
export async function expectCodeAsync(
  action: () => Promise<unknown>,
  code: string,
  offset?: number,
): Promise<InitkitError> {
  // Through a resolved promise so that a synchronous throw is caught too.
  const caught = await Promise.resolve()
    .then(action)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  return expectCaught(caught, code, offset);
}

export const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
