/**
 * Building initrds from profiles (Node part): profile files, binaries with their libraries, the
 * build from a module tree on disk, the manifest, and the static check of an image file.
 */
export { type BinaryClosureOptions, binaryClosure } from './binaries.js';
export {
  type BuildInitrdOptions,
  type BuiltInitrd,
  buildInitrd,
  findKernelConfig,
  resolveInitrdChain,
  targetTree,
} from './build-initrd.js';
export { type CheckInitrdFileOptions, type CheckReport, checkInitrdFile } from './check-file.js';
export { buildManifest, type Manifest, type ManifestEntry } from './manifest.js';
export { listProfiles, loadProfile, profileDirectory } from './profiles.js';
