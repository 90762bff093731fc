/**
 * A module tree on disk as a ModuleSource: a lib/modules/<release> directory's database (depmod'ed in
 * memory when the tree ships without modules.dep, as Debian's kernel packages do) and its files.
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InitkitError } from '@initkit/core';
import { loadModuleDatabase } from '@initkit/kmod/node';
import type { ModuleSource } from '../modules.js';

export interface ModuleSourceOptions {
  /** The kernel release (default: the directory's name). */
  release?: string;
  /** Compute modules.dep in memory when the tree has none (default true; slow for a whole distribution tree). */
  depmodIfMissing?: boolean;
}

/** Opens a lib/modules/<release> directory for adding modules to an initrd. */
export async function moduleSourceFromDirectory(
  directory: string,
  options: ModuleSourceOptions = {},
): Promise<ModuleSource> {
  const root = resolve(directory);
  const release = options.release ?? basename(root);
  if (!/^[^/\s]+$/.test(release)) {
    throw new InitkitError('INITRAMFS_BAD_RELEASE', `${JSON.stringify(release)} is not a kernel release name`);
  }
  const database = await loadModuleDatabase(root, { depmodIfMissing: options.depmodIfMissing ?? true });
  return {
    release,
    database,
    readModule: (path) => {
      const bytes = readFileSync(join(root, path));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}
