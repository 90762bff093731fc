/**
 * `depmod -b BASE KVER` on a directory: read the modules of BASE/lib/modules/KVER (and its
 * modules.order, modules.builtin, modules.builtin.modinfo), compute the files with depmod(), and
 * replace each one atomically. @initkit/compress is loaded only when a compressed module turns up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '@initkit/core/node';
import { type DepmodModule, type DepmodResult, depmod } from '../depmod.js';
import { decompressModuleWith } from '../module-compression.js';
import { listModuleFiles, type ModuleDecompressor, modulePaths, readDepmodModuleFile } from './module-reader.js';

export interface DepmodDirectoryOptions {
  /** Compute without writing (depmod -n prints instead). */
  dryRun?: boolean;
  /** depmod -P: symbol prefix of the architecture. */
  symbolPrefix?: string;
  /** Link modules by their symbols (default, as kmod's depmod) or by their `depends=` lists. */
  linkBy?: 'symbols' | 'depends';
}

/** The module directory of a kernel release under a root: ROOT/lib/modules/KVER, else ROOT/usr/lib/modules/KVER. */
export function moduleDirectory(root: string, release: string): string {
  const classic = join(root, 'lib', 'modules', release);
  const merged = join(root, 'usr', 'lib', 'modules', release);
  return existsSync(classic) || !existsSync(merged) ? classic : merged;
}

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Runs depmod over `directory` (a lib/modules/KVER directory) and writes its files there. */
export async function depmodDirectory(directory: string, options: DepmodDirectoryOptions = {}): Promise<DepmodResult> {
  const modules = await readTree(directory);
  const order = readOptional(join(directory, 'modules.order'));
  const builtin = readOptional(join(directory, 'modules.builtin'));
  const builtinModinfo = readOptional(join(directory, 'modules.builtin.modinfo'));
  const result = depmod(modules, {
    order: order?.toString('utf8'),
    builtin: builtin?.toString('utf8'),
    builtinModinfo: builtinModinfo ? new Uint8Array(builtinModinfo) : undefined,
    symbolPrefix: options.symbolPrefix,
    linkBy: options.linkBy,
  });
  if (!options.dryRun) {
    for (const [name, contents] of result.files) writeFileAtomicSync(join(directory, name), contents, { mode: 0o644 });
  }
  return result;
}

/** readDepmodModules(directory), loading the decompressor at the first compressed module. */
async function readTree(directory: string): Promise<DepmodModule[]> {
  const paths = listModuleFiles(directory);
  const fullPaths = modulePaths(directory, paths);
  const modules: DepmodModule[] = [];
  let decompress: ModuleDecompressor | undefined;
  for (let i = 0; i < paths.length; i++) {
    let module = readDepmodModuleFile(fullPaths[i]!, paths[i]!, decompress);
    if (!module) {
      decompress = await loadDecompressor();
      module = readDepmodModuleFile(fullPaths[i]!, paths[i]!, decompress)!;
    }
    modules.push(module);
  }
  return modules;
}

async function loadDecompressor(): Promise<ModuleDecompressor> {
  const codec = await import('@initkit/compress');
  return (bytes) => decompressModuleWith(codec, bytes).bytes;
}
