/** Test helper: the module files under a directory, as paths relative to it, sorted. */
import { readdirSync } from 'node:fs';
import { isModuleFileName } from '../src/module-name.js';

export function listModuleFiles(directory: string): string[] {
  return (readdirSync(directory, { recursive: true }) as string[]).filter(isModuleFileName).sort();
}
