/**
 * Load a module directory's depmod files into a ModuleDatabase. A tree without modules.dep (as
 * Debian's kernel packages ship) can be depmod'ed in memory first, without writing anything.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kmodError } from '../errors.js';
import { ModuleDatabase, type ModuleDatabaseOptions } from '../module-database.js';
import { depmodDirectory } from './depmod-directory.js';

const DATABASE_FILES = [
  'modules.dep',
  'modules.dep.bin',
  'modules.alias',
  'modules.alias.bin',
  'modules.softdep',
  'modules.symbols',
  'modules.symbols.bin',
  'modules.builtin',
  'modules.builtin.bin',
  'modules.builtin.modinfo',
  'modules.builtin.alias.bin',
];

export interface LoadModuleDatabaseOptions extends ModuleDatabaseOptions {
  /** When the directory has no modules.dep(.bin): compute it in memory (true) or fail (false, default). */
  depmodIfMissing?: boolean;
}

export async function loadModuleDatabase(
  directory: string,
  options: LoadModuleDatabaseOptions = {},
): Promise<ModuleDatabase> {
  const files = new Map<string, Uint8Array>();
  for (const name of DATABASE_FILES) {
    try {
      files.set(name, new Uint8Array(readFileSync(join(directory, name))));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
  }
  if (!files.has('modules.dep') && !files.has('modules.dep.bin')) {
    if (!options.depmodIfMissing) {
      throw kmodError(
        'KMOD_MODULES_DEP_NOT_FOUND',
        `${directory} has no modules.dep or modules.dep.bin (run depmod, or allow computing it in memory)`,
      );
    }
    const { files: computed } = await depmodDirectory(directory, { dryRun: true });
    for (const [name, contents] of computed) files.set(name, contents);
  }
  return new ModuleDatabase(files, options);
}
