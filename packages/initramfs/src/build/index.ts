/**
 * Building initrds from profiles (isomorphic part): profile files parsed, resolved against the target
 * kernel's module database, planned as paths with their sources and reasons, written reproducibly,
 * and checked statically against a kernel.
 */

export { missingApplets, readBusyboxApplets } from './busybox-applets.js';
export { type CheckOptions, type CheckResult, checkInitrd } from './check.js';
export { ELF_MACHINES, type ElfInfo, isElfFile, machineName, readElfInfo } from './elf-info.js';
export {
  declaredInitApplets,
  INIT_APPLETS,
  INIT_APPLETS_TAG,
  type InitScriptOptions,
  initApplets,
  initScript,
  UDHCPC_SCRIPT,
} from './init-script.js';
export { defaultCompression, type KernelConfigFacts, parseKernelConfig } from './kernel-config.js';
export { type BuildInputs, type BuildPlan, type PlannedPath, planBuild, type SourceFile } from './plan.js';
export { commandLineProfile, type InitFeature, type Profile, type ProfileModule, parseProfile } from './profile.js';
export {
  formatChain,
  type ResolvedChain,
  type ResolvedModule,
  resolveProfiles,
  type SkippedModule,
} from './resolve-profile.js';
export { microcodeArchive, type WriteImageOptions, writeImage } from './write-image.js';
