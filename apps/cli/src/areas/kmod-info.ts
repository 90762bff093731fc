/**
 * `initkit kmod info`: a module's .modinfo and signature as `modinfo` prints them, for a file or, as
 * `modinfo -b BASE -k KVER NAME` does, for a module name or alias resolved in a module tree.
 */
import { existsSync } from 'node:fs';
import { InitkitError } from '@initkit/core';
import { withFile } from '../file-errors.js';
import { printJson, writeStdout } from '../output.js';
import { chooseRelease, modulePath } from './kmod-tree.js';

const loadKmod = () => import('@initkit/kmod');
const loadKmodNode = () => import('@initkit/kmod/node');

export interface InfoFlags {
  field?: string;
  null?: boolean;
  json?: boolean;
  basedir?: string;
  setVersion?: string;
}

/** A file when the argument names one (or looks like a path), else a module resolved in the tree. */
async function moduleFile(target: string, flags: InfoFlags): Promise<string> {
  if (target.includes('/') || existsSync(target)) return target;
  const { loadModuleDatabase, moduleDirectory } = await loadKmodNode();
  const root = flags.basedir ?? '/';
  const directory = moduleDirectory(root, chooseRelease(root, flags.setVersion));
  const database = await withFile(directory, 'the module tree (-b BASE, -k RELEASE)', () =>
    loadModuleDatabase(directory, { depmodIfMissing: true }),
  );
  const found = database.lookup(target);
  const module = found.find((candidate) => candidate.kind === 'module');
  if (module?.kind === 'module') return modulePath(directory, module.module.path);
  if (found.length > 0) {
    throw new InitkitError(
      'CLI_MODULE_BUILTIN',
      `module ${target} is built into the kernel: it has no file (${directory})`,
    );
  }
  throw new InitkitError('KMOD_MODULE_NOT_FOUND', `module ${target} not found in ${directory}`);
}

export async function infoAction(target: string, flags: InfoFlags): Promise<void> {
  const { formatModinfo, modinfoEntries } = await loadKmod();
  const { readKernelModuleFile } = await loadKmodNode();
  const file = await moduleFile(target, flags);
  const module = await withFile(file, 'the module file', () => readKernelModuleFile(file));
  if (flags.json) {
    printJson({
      filename: file,
      name: module.name,
      compression: module.compression ?? null,
      elf: { class: module.elf.elfClass, littleEndian: module.elf.littleEndian, machine: module.elf.machine },
      signed: module.signature !== undefined,
      fields: modinfoEntries(module).filter((entry) => flags.field === undefined || entry.key === flags.field),
    });
    return;
  }
  await writeStdout(formatModinfo(module, { field: flags.field, filename: file, separator: flags.null ? '\0' : '\n' }));
}
