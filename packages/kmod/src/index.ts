/**
 * @initkit/kmod: Linux kernel modules: modules.dep and kmod's binary indexes, ELF .modinfo and
 * signatures, depmod, modprobe's dependency resolution, and the kernel version inside an image.
 * Isomorphic: Uint8Array in and out, nothing from node: (see @initkit/kmod/node for module trees on disk).
 */
export { type DecompressedModule, type DecompressModuleOptions, decompressModule, isElf } from './decompress.js';
export { type DepmodEntry, type DepmodModule, type DepmodOptions, type DepmodResult, depmod } from './depmod.js';
export { type ElfClass, ElfFile, type ElfSection, type ElfSymbol } from './elf.js';
export { KMOD_ERROR_CODES, type KmodErrorCode } from './errors.js';
export { fnmatch } from './fnmatch.js';
export { INDEX_MAGIC, INDEX_VERSION, type IndexValue, KmodIndex, KmodIndexBuilder } from './index-file.js';
export {
  type KernelModule,
  moduleAliases,
  moduleDepends,
  moduleFirmware,
  moduleSoftdeps,
  moduleVermagic,
  type ReadModuleOptions,
  readKernelModule,
} from './kernel-module.js';
export {
  findBanner,
  type KernelImageKind,
  type KernelVersion,
  type KernelVersionOptions,
  kernelRelease,
  kernelVersion,
} from './kernel-version.js';
export { type ModinfoEntry, modinfoDepends, modinfoValue, modinfoValues, parseModinfo } from './modinfo.js';
export { formatModinfo, type ModinfoTextOptions, modinfoEntries } from './modinfo-format.js';
export { emptyModprobeConfig, type ModprobeConfig, parseModprobeConfig } from './modprobe-config.js';
export {
  type DatabaseModule,
  type LookupTarget,
  ModuleDatabase,
  type ModuleDatabaseOptions,
  type ModuleFiles,
} from './module-database.js';
export {
  isModuleFileName,
  MODULE_SUFFIXES,
  moduleNameFromPath,
  normalizeAlias,
  normalizeModuleName,
  uncompressedModulePath,
} from './module-name.js';
export { type ModuleSymbols, type ReadModuleSymbolsOptions, readModuleSymbols } from './module-symbols.js';
export {
  checkDependencyCycles,
  formatShowDepends,
  type LoadConfig,
  type LoadStep,
  nearestNames,
  probeList,
  resolveModules,
} from './resolve.js';
export { formatSignatureHex, hasModuleSignature, type ModuleSignature, readModuleSignature } from './signature.js';
export {
  type AliasLine,
  type BuiltinModinfoEntry,
  formatModulesDep,
  type ModuleDependencyLine,
  parseBuiltin,
  parseBuiltinModinfo,
  parseModulesAlias,
  parseModulesDep,
  parseModulesOrder,
  parseModulesSoftdep,
  parseSoftdepValue,
  type SoftdepLine,
} from './text-files.js';
export { checkVermagic, type VermagicMismatch, type VermagicModule, vermagicRelease } from './vermagic.js';
