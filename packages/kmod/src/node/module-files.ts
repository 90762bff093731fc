/**
 * Checks that the module files a resolution wants to load exist in the module directory: a
 * modules.dep naming a file that is gone (a half-removed kernel, a hand-edited list) is
 * KMOD_FILE_NOT_FOUND with the modules.dep line that names it.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { kmodError } from '../errors.js';
import type { ModuleDatabase } from '../module-database.js';
import type { LoadStep } from '../resolve.js';

export function assertModuleFilesExist(directory: string, database: ModuleDatabase, steps: readonly LoadStep[]): void {
  for (const step of steps) {
    // An absolute modules.dep path names the file itself, as libkmod reads it.
    if (step.kind !== 'insmod' || existsSync(isAbsolute(step.path) ? step.path : join(directory, step.path))) continue;
    const module = database.moduleByPath(step.path);
    const line = module?.line === undefined ? '' : `line ${module.line} `;
    throw kmodError('KMOD_FILE_NOT_FOUND', `modules.dep ${line}names ${step.path}, which is not in ${directory}`, {
      source: join(directory, 'modules.dep'),
      offset: module?.offset,
    });
  }
}
