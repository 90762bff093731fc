/**
 * A module tree on disk as a ModuleSource: a lib/modules/<release> directory's database and its files.
 * Adding modules by name needs only modules.dep, modules.softdep and modules.builtin, so those are all
 * that is read, unless a name is not a module (an alias): then the whole database is loaded. A tree
 * without modules.dep (Debian's kernel packages) is depmod'ed in memory.
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ModuleDatabase } from '@initkit/kmod';
import { loadModuleDatabase } from '@initkit/kmod/node';
import { initramfsError } from '../errors.js';
import type { ModuleSource } from '../modules.js';

export interface ModuleSourceOptions {
  /** The kernel release (default: the directory's name). */
  release?: string;
  /** The names that will be asked for: when all are module names, only the small files are read. */
  names?: readonly string[];
  /** Compute modules.dep in memory when the tree has none (default true; slow for a whole distribution tree). */
  depmodIfMissing?: boolean;
}

const LEAN_FILES = ['modules.dep', 'modules.softdep', 'modules.builtin'];

function readOptional(path: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function leanDatabase(root: string, names: readonly string[]): ModuleDatabase | undefined {
  const files = new Map<string, Uint8Array>();
  for (const name of LEAN_FILES) {
    const bytes = readOptional(join(root, name));
    if (bytes) files.set(name, bytes);
  }
  if (!files.has('modules.dep')) return undefined;
  const database = new ModuleDatabase(files);
  return names.every((name) => database.lookup(name).length > 0) ? database : undefined;
}

/** Opens a lib/modules/<release> directory for adding modules to an initrd. */
export async function moduleSourceFromDirectory(
  directory: string,
  options: ModuleSourceOptions = {},
): Promise<ModuleSource> {
  const root = resolve(directory);
  const release = options.release ?? basename(root);
  if (!/^[^/\s]+$/.test(release)) {
    throw initramfsError('INITRAMFS_BAD_RELEASE', `${JSON.stringify(release)} is not a kernel release name`);
  }
  const database =
    (options.names && leanDatabase(root, options.names)) ??
    (await loadModuleDatabase(root, { depmodIfMissing: options.depmodIfMissing ?? true }));
  return {
    release,
    database,
    readModule: (path) => {
      const bytes = readFileSync(join(root, path));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}
