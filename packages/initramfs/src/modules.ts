/**
 * Choosing the kernel modules to put into an initrd: the named modules with their full dependency
 * closure in load order (as modprobe resolves them, through @initkit/kmod), read from a module tree,
 * optionally decompressed for an insmod that cannot decompress, and the modules.dep (text and binary
 * index) the initrd needs for them, merged with the one it already has for that release.
 */
import {
  decompressModule,
  formatModulesDep,
  KmodIndexBuilder,
  type ModuleDatabase,
  type ModuleDependencyLine,
  parseModulesDep,
  resolveModules,
  uncompressedModulePath,
} from '@initkit/kmod';
import { initramfsError } from './errors.js';

/** Where the modules come from: a module directory's database and a way to read its files. */
export interface ModuleSource {
  /** The kernel release: the modules go to lib/modules/<release>/ in the initrd. */
  release: string;
  database: ModuleDatabase;
  /** Reads a module file by its path relative to the module directory (as modules.dep names it). */
  readModule: (path: string) => Uint8Array;
}

export interface ModuleRequest extends ModuleSource {
  /** Module names or aliases to add; their dependencies come with them. */
  names: readonly string[];
  /** Store .ko.gz/.ko.xz/.ko.zst decompressed as .ko (busybox insmod has no zstd). */
  decompress?: boolean;
  /** Add modules even when their ELF machine differs from the initrd's (its busybox, its modules). */
  force?: boolean;
}

/** One module going into the initrd. */
export interface PlannedModule {
  name: string;
  /** Path relative to lib/modules/<release>/ in the initrd. */
  path: string;
  /** Path in the source tree. */
  sourcePath: string;
  /** The compression of the source file, if any, and whether it was decompressed. */
  compression: string | undefined;
  decompressed: boolean;
  data: Uint8Array;
}

export interface ModulePlan {
  release: string;
  /** Modules to insert, in load order (dependencies first). */
  modules: PlannedModule[];
  /** Names that are built into the kernel (nothing to load). */
  builtin: string[];
}

/** Resolves the closure and reads (and if asked, decompresses) each module. */
export function planModules(request: ModuleRequest): ModulePlan {
  if (request.names.length === 0) {
    throw initramfsError('INITRAMFS_NO_MODULES', 'no module names were given to add');
  }
  const steps = resolveModules(request.database, request.names);
  const modules: PlannedModule[] = [];
  const builtin: string[] = [];
  for (const step of steps) {
    if (step.kind === 'builtin') {
      builtin.push(step.name);
      continue;
    }
    const raw = request.readModule(step.path);
    let data = raw;
    let compression: string | undefined;
    let path = step.path;
    let decompressed = false;
    if (request.decompress) {
      const result = decompressModule(raw);
      compression = result.compression;
      if (compression !== undefined) {
        data = result.bytes;
        path = uncompressedModulePath(step.path);
        decompressed = true;
      }
    } else if (step.path !== uncompressedModulePath(step.path)) {
      compression = step.path.slice(step.path.lastIndexOf('.') + 1);
    }
    modules.push({ name: step.name, path, sourcePath: step.path, compression, decompressed, data });
  }
  return { release: request.release, modules, builtin };
}

/**
 * The initrd's modules.dep after adding `plan`: the lines it had (if any), with the added modules'
 * lines from the source database (paths renamed where modules were decompressed) replacing or
 * following them.
 */
export function mergedModulesDep(plan: ModulePlan, database: ModuleDatabase, existing: string | undefined): string {
  const renamed = new Map<string, string>();
  for (const module of plan.modules) renamed.set(module.sourcePath, module.path);
  const rename = (path: string) => renamed.get(path) ?? path;
  const lines = new Map<string, ModuleDependencyLine>();
  if (existing !== undefined) for (const line of parseModulesDep(existing)) lines.set(line.name, line);
  for (const module of plan.modules) {
    const source = database.module(module.name);
    const dependencies = source ? source.dependencies.map(rename) : [];
    lines.set(module.name, { name: module.name, path: module.path, dependencies });
  }
  return formatModulesDep([...lines.values()]);
}

/** modules.dep.bin for a modules.dep text, as depmod writes it (the key is the module name). */
export function modulesDepIndex(modulesDep: string): Uint8Array {
  const builder = new KmodIndexBuilder();
  parseModulesDep(modulesDep).forEach((line, index) => {
    const text = line.dependencies.length ? `${line.path}: ${line.dependencies.join(' ')}` : `${line.path}:`;
    builder.insert(line.name, text, index);
  });
  return builder.serialize();
}
