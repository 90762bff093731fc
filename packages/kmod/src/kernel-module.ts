/**
 * One kernel module read from its bytes: the ELF (after decompression when needed), the .modinfo
 * entries and the appended signature. Errors carry the module's path when the caller gives one.
 */
import { InitkitError } from '@initkit/core';
import { type DecompressModuleOptions, decompressModule } from './decompress.js';
import { ElfFile } from './elf.js';
import { type ModinfoEntry, modinfoDepends, modinfoValue, modinfoValues, parseModinfo } from './modinfo.js';
import { moduleNameFromPath, normalizeModuleName } from './module-name.js';
import { type ModuleSignature, readModuleSignature } from './signature.js';

export interface KernelModule {
  /** The module name: .modinfo `name=` when present, else from the path; '-' written as '_'. */
  name: string;
  /** The path it was read from, when known. */
  path: string | undefined;
  /** "gzip", "xz", "zstd", ... when the file was compressed. */
  compression: string | undefined;
  elf: ElfFile;
  /** The .modinfo entries in file order (empty when the module has no .modinfo section). */
  info: ModinfoEntry[];
  signature: ModuleSignature | undefined;
}

export interface ReadModuleOptions extends DecompressModuleOptions {
  /** Where the bytes came from: names the module and prefixes error messages. */
  path?: string;
}

export function readKernelModule(bytes: Uint8Array, options: ReadModuleOptions = {}): KernelModule {
  try {
    const { compression, bytes: elfBytes } = decompressModule(bytes, options);
    const elf = new ElfFile(elfBytes);
    const section = elf.section('.modinfo');
    const info = section ? parseModinfo(elf.sectionBytes(section), section.offset) : [];
    const declared = modinfoValue(info, 'name');
    const name = declared ? normalizeModuleName(declared) : options.path ? moduleNameFromPath(options.path) : '';
    return { name, path: options.path, compression, elf, info, signature: readModuleSignature(elfBytes) };
  } catch (error) {
    throw options.path && error instanceof InitkitError ? error.withSource(options.path) : error;
  }
}

/** The module's `vermagic=` ("6.1.0-56-amd64 SMP preempt mod_unload modversions "). */
export function moduleVermagic(module: KernelModule): string | undefined {
  return modinfoValue(module.info, 'vermagic');
}

/** The modules named by `depends=`. */
export function moduleDepends(module: KernelModule): string[] {
  return modinfoDepends(module.info);
}

/** Every `alias=` pattern. */
export function moduleAliases(module: KernelModule): string[] {
  return modinfoValues(module.info, 'alias');
}

/** Every `firmware=` file. */
export function moduleFirmware(module: KernelModule): string[] {
  return modinfoValues(module.info, 'firmware');
}

/** Every `softdep=` value ("pre: crc32c post: foo"). */
export function moduleSoftdeps(module: KernelModule): string[] {
  return modinfoValues(module.info, 'softdep');
}
