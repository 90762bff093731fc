/**
 * koffi loaded straight from the native addon its own loader would pick on Linux: the prebuilt package
 * beside koffi (@koromix/koffi-linux-<arch>) and, in it, linux_<abi>/koffi.node or musl_<abi>/koffi.node
 * by the C library Node was linked with (its ELF interpreter), armhf only for a hard-float Node. koffi's
 * index.cjs reaches the same file through three more modules and a search of paths, which cost 0.3-1.1 s
 * under emulation (bench/RESULTS.md, kexec). Its checks are kept: Node-API 8 or later and an addon of
 * koffi's own version. Anywhere else (koffi built from source, another layout) koffi's own loader runs.
 * Its deprecated wrappers (koffi.resolve, lib.cdecl and the like) are not installed: nothing here uses them.
 * Shared by @initkit/kexec (system calls) and @initkit/compress (libzstd, liblzma); core itself does not
 * depend on koffi: the caller names the file its node_modules walk starts from (its own module), since
 * under pnpm's strict layout only a package that depends on koffi has it in reach.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

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
  const addon = koffiDirectory ? koffiAddonPath(koffiDirectory) : undefined;
  if (!koffiDirectory || !addon) return createRequire(here)('koffi') as Koffi;
  const napi = Number(process.versions.napi);
  if (!(napi >= 8)) throw new Error(`koffi needs Node-API 8 or later; this Node ${process.version} has ${napi}`);
  const addonModule = { exports: {} as { version?: string } };
  process.dlopen(addonModule, addon);
  const packageJson = readFileSync(join(koffiDirectory, 'package.json'), 'utf8');
  const { version } = JSON.parse(packageJson) as { version: string };
  if (addonModule.exports.version !== version) {
    throw new Error(`${addon} is koffi ${addonModule.exports.version}, expected ${version} (the koffi beside it)`);
  }
  return addonModule.exports as Koffi;
}

/**
 * The koffi directory require('koffi') would use, by the same walk up the node_modules directories, its
 * symbolic links resolved (pnpm). Not require.resolve: koffi's `exports` map loads Node's ES module
 * resolver, about a third of a second under emulation; NODE_PATH and the like are left to require().
 */
export function findKoffiDirectory(from: string): string | undefined {
  const lookupPaths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(from);
  for (const modules of lookupPaths) {
    const candidate = join(modules, 'koffi');
    if (existsSync(join(candidate, 'package.json'))) return realpathSync.native(candidate);
  }
  return undefined;
}

/** This file (ESM build and sources) or the CommonJS file it was bundled into. */
function moduleFile(): string {
  // Not node:url's fileURLToPath: one module less to load at start-up (a file: URL's path, decoded, on Linux).
  return typeof __filename === 'string' ? __filename : decodeURIComponent(new URL(import.meta.url).pathname);
}

/** koffi.node for this Node in koffi's prebuilt package, or undefined where koffi's own loader must decide. */
export function koffiAddonPath(koffiDirectory: string): string | undefined {
  if (process.platform !== 'linux' || !['x64', 'arm64', 'arm'].includes(process.arch)) return undefined;
  const node = nodeElf();
  if (!node) return undefined;
  const abi = process.arch === 'arm' ? (node.hardFloat ? 'armhf' : undefined) : process.arch;
  if (!abi) return undefined;
  const file = join(
    koffiDirectory,
    '..',
    '@koromix',
    `koffi-linux-${process.arch}`,
    `${node.musl ? 'musl' : 'linux'}_${abi}`,
    'koffi.node',
  );
  return existsSync(file) ? file : undefined;
}

/** What koffi's loader reads from Node's own ELF file: the float ABI (ARM) and the C library (interpreter). */
function nodeElf(): { hardFloat: boolean; musl: boolean } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(process.execPath, 'r');
    const read = (offset: number, length: number) => {
      const bytes = Buffer.alloc(length);
      return bytes.subarray(0, readSync(fd as number, bytes, 0, length, offset));
    };
    const header = read(0, 64);
    // "\x7fELF", little-endian (koffi supports no other).
    if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46 || header[5] !== 1) return undefined;
    const is64 = header[4] === 2;
    const flags = header.readUInt32LE(is64 ? 48 : 36);
    const programHeaders = is64 ? Number(header.readBigUInt64LE(32)) : header.readUInt32LE(28);
    const entrySize = header.readUInt16LE(is64 ? 54 : 42);
    const count = header.readUInt16LE(is64 ? 56 : 44);
    const table = read(programHeaders, entrySize * count);
    let interpreter = '';
    for (let at = 0; at + entrySize <= table.length; at += entrySize) {
      if (table.readUInt32LE(at) !== 3) continue; // PT_INTERP
      const offset = is64 ? Number(table.readBigUInt64LE(at + 8)) : table.readUInt32LE(at + 4);
      const size = is64 ? Number(table.readBigUInt64LE(at + 32)) : table.readUInt32LE(at + 16);
      interpreter = read(offset, size).toString('latin1').replace(/\0.*$/s, '');
    }
    // EF_ARM_ABI_FLOAT_HARD (0x400), as koffi's determineAbi reads it.
    return { hardFloat: (flags & 0x400) !== 0, musl: basename(interpreter).startsWith('ld-musl-') };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
