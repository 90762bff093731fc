/**
 * @initkit/kmod/node: module trees on disk. Run depmod over a directory and write its files
 * atomically, load a tree's indexes into a resolver, read modules from files, and find the kernel
 * release of an installed system (Arch's pkgbase and mkinitcpio presets included).
 */

export { type DepmodDirectoryOptions, depmodDirectory, moduleDirectory } from './node/depmod-directory.js';
export { type LoadModuleDatabaseOptions, loadModuleDatabase } from './node/load-database.js';
export { MODPROBE_D_DIRECTORIES, readModprobeConfig } from './node/modprobe-d.js';
export { assertModuleFilesExist } from './node/module-files.js';
export { listModuleFiles, readDepmodModule, readDepmodModules } from './node/module-tree.js';
export { readKernelModuleFile } from './node/read-module.js';
export { kernelReleaseForPkgbase, kernelReleasesFromSystem, type SystemKernelRelease } from './node/system-release.js';
