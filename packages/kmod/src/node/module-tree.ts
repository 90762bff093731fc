/**
 * Reading a module directory from disk for depmod, compressed modules included (decompressed through
 * @initkit/compress): each module's .modinfo entries and symbols, ready for depmod().
 */
import { join } from 'node:path';
import { decompressModule } from '../decompress.js';
import type { DepmodModule } from '../depmod.js';
import { listModuleFiles, type ModuleDecompressor, modulePaths, readDepmodModuleFile } from './module-reader.js';

export { listModuleFiles } from './module-reader.js';

const decompress: ModuleDecompressor = (bytes) => decompressModule(bytes).bytes;

/** What depmod needs from one module file (of .modinfo, only the alias, softdep and depends entries). */
export function readDepmodModule(directory: string, path: string): DepmodModule {
  return readDepmodModuleFile(join(directory, path), path, decompress)!;
}

/** Every module of a directory, ready for depmod(). */
export function readDepmodModules(
  directory: string,
  paths: readonly string[] = listModuleFiles(directory),
): DepmodModule[] {
  const fullPaths = modulePaths(directory, paths);
  return paths.map((path, i) => readDepmodModuleFile(fullPaths[i]!, path, decompress)!);
}
