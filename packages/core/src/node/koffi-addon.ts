/**
 * koffi loaded straight from the native addon its own loader would pick on Linux: the prebuilt package
 * beside koffi (@koromix/koffi-linux-<arch>) and, in it, linux_<abi>/koffi.node, else musl_<abi>/koffi.node,
 * the first that loads (koffi's index.cjs tries them in that order too), armhf only for a hard-float Node.
 * koffi's index.cjs reaches the same file through three more modules and a search of paths, which cost
 * 0.3-1.1 s under emulation (bench/RESULTS.md, kexec). Its checks are kept: Node-API 8 or later and an
 * addon of koffi's own version. Anywhere else (koffi built from source, another layout) koffi's own loader
 * runs. Its deprecated wrappers (koffi.resolve, lib.cdecl and the like) are not installed: nothing here
 * uses them. Shared by @initkit/kexec (system calls) and @initkit/compress (libzstd, liblzma); core itself
 * does not depend on koffi: the caller names the file its node_modules walk starts from (its own module),
 * since under pnpm's strict layout only a package that depends on koffi has it in reach.
 *
 * No node:fs here: on Node 20 the first require('node:fs') of user code costs more than loading koffi
 * (libc-files.ts says why); files are found and read through require() (Node's own loader), which uses
 * fs internally without that cost. Each call loads a fresh instance (its own named types), as before.
 */
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * koffi's API (typed by the caller: `loadKoffi<typeof import('koffi')>(...)`), from the prebuilt addon
 * when it is where koffi's installer puts it. `from` is the file (a path or a file: URL, e.g. the
 * caller's import.meta.url or __filename) whose node_modules directories are searched, as require()
 * from that file would; by default this module's own file (in a bundle, the bundle). Throws as
 * require() does.
 */
export function loadKoffi<Koffi = unknown>(from: string | undefined = moduleFile()): Koffi {
  const here = from.startsWith('file:') ? decodeURIComponent(new URL(from).pathname) : from;
  const koffiDirectory = findKoffiDirectory(dirname(here));
  const addons = koffiDirectory ? koffiAddonPaths(koffiDirectory) : [];
  if (!koffiDirectory || addons.length === 0) return createRequire(here)('koffi') as Koffi;
  const napi = Number(process.versions.napi);
  if (!(napi >= 8)) throw new Error(`koffi needs Node-API 8 or later; this Node ${process.version} has ${napi}`);
  const { version } = createRequire(here)(join(koffiDirectory, 'package.json')) as { version: string };
  let firstError: unknown;
  for (const addon of addons) {
    const addonModule = { exports: {} as { version?: string } };
    try {
      process.dlopen(addonModule, addon);
    } catch (error) {
      // A musl addon on glibc or the reverse: the next one, as koffi's loader goes on.
      firstError ??= error;
      continue;
    }
    if (addonModule.exports.version !== version) {
      throw new Error(`${addon} is koffi ${addonModule.exports.version}, expected ${version} (the koffi beside it)`);
    }
    return addonModule.exports as Koffi;
  }
  throw firstError;
}

/**
 * The koffi directory require('koffi') would use, by the same walk up the node_modules directories, its
 * symbolic links resolved (pnpm). Not require.resolve('koffi'): koffi's `exports` map loads Node's ES
 * module resolver, about a third of a second under emulation; NODE_PATH and the like are left to require().
 */
export function findKoffiDirectory(from: string): string | undefined {
  const lookupPaths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(from);
  const resolve = createRequire(join(from, 'noop.js')).resolve;
  for (const modules of lookupPaths) {
    const found = resolveFile(resolve, join(modules, 'koffi', 'package.json'));
    if (found) return dirname(found);
  }
  return undefined;
}

/** A value kept on globalThis under `key`: one for every copy of these modules in the process (one per bundle). */
export function processWide<T>(key: symbol, make: () => T): T {
  const global = globalThis as Record<symbol, unknown>;
  if (!(key in global)) global[key] = make();
  return global[key] as T;
}

/** This file (ESM build and sources) or the CommonJS file it was bundled into. */
export function moduleFile(): string {
  // Not node:url's fileURLToPath: one module less to load at start-up (a file: URL's path, decoded, on Linux).
  return typeof __filename === 'string' ? __filename : decodeURIComponent(new URL(import.meta.url).pathname);
}

/**
 * koffi.node for this Node in koffi's prebuilt package (linux_<abi>, else musl_<abi>, the first that
 * exists), or undefined where koffi's own loader must decide.
 */
export function koffiAddonPath(koffiDirectory: string): string | undefined {
  return koffiAddonPaths(koffiDirectory)[0];
}

/** The prebuilt addons that exist for this Node, in the order koffi's loader tries them. */
function koffiAddonPaths(koffiDirectory: string): string[] {
  if (process.platform !== 'linux' || !['x64', 'arm64', 'arm'].includes(process.arch)) return [];
  // Node's own build setting, the same float ABI as the flag koffi's loader reads from Node's ELF header.
  const armFloat = (process.config.variables as { arm_float_abi?: string }).arm_float_abi;
  const abi = process.arch === 'arm' ? (armFloat === 'hard' ? 'armhf' : undefined) : process.arch;
  if (!abi) return [];
  const prebuilt = join(koffiDirectory, '..', '@koromix', `koffi-linux-${process.arch}`);
  const resolve = createRequire(join(koffiDirectory, 'noop.js')).resolve;
  return ['linux', 'musl']
    .map((libc) => join(prebuilt, `${libc}_${abi}`, 'koffi.node'))
    .filter((file) => resolveFile(resolve, file) !== undefined);
}

/** The file's real path when it exists (require.resolve of an absolute path: a stat, no module loaded). */
function resolveFile(resolve: NodeJS.RequireResolve, path: string): string | undefined {
  try {
    return resolve(path);
  } catch {
    return undefined;
  }
}
