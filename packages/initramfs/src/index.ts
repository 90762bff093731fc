/**
 * @initkit/initramfs: open, inspect, edit and repack Linux initrds. An initrd is read as the kernel
 * reads it (an optional uImage wrapper, NUL padding, uncompressed and compressed cpio members) into
 * members and the merged tree the kernel would unpack; edits (files, removals, kernel modules with their
 * dependencies, a wrapper /init) are planned as data and written by appending one member or by a full
 * rewrite. Isomorphic: Uint8Array in and out, nothing from `node:`.
 */

export { linkTarget } from '@initkit/cpio';
export {
  analyzeInitrd,
  formatAnalysis,
  type InitrdAnalysis,
  type InitSummary,
  type MemberSummary,
  type ModuleReleaseSummary,
} from './analyze.js';
export * from './build/index.js';
export { type ChangeKind, diffTrees, formatDiff, type TreeDiff } from './diff.js';
export {
  type AddItem,
  type ChangeEntry,
  dataNeededForEdit,
  type EditPlan,
  type EditRequest,
  planEdit,
  type WrapInitOptions,
} from './edit.js';
export { INITRAMFS_ERROR_CODES, type InitramfsErrorCode } from './errors.js';
export {
  firstMainMember,
  type Initrd,
  parseInitrd,
  type ReadInitrdOptions,
  readInitrd,
} from './initrd.js';
export { analysisInFile, analysisToJson, initrdTreeToJson } from './json.js';
export { listMember, listTree, memberEntriesToJson, treeToJson } from './listing.js';
export type { InitrdMember, InitrdSegment, KeepData, MemberEntry } from './member.js';
export { isCpioMagic } from './member-walk.js';
export {
  type ModulePlan,
  type ModuleRequest,
  type ModuleSource,
  type PlannedModule,
  planModules,
} from './modules.js';
export { type InitrdSource, type OpenInitrdSourceOptions, openInitrdSource, readEntryData } from './open-source.js';
export type { ScanOptions } from './scan.js';
export {
  type DataSource,
  type DroppedEntry,
  linkTargetOf,
  MergedTree,
  type Overwrite,
  type TreeEntryInput,
  type TreeInode,
  type TreeNode,
} from './tree.js';
export { type Handover, isInitkitWrapper } from './wrap-init.js';
export type { UnwrapOptions, Unwrapped } from './wrapper.js';
export {
  concatParts,
  type OutputPart,
  outputChunks,
  type PayloadRange,
  type WriteMode,
  type WriteOptions,
  type WriteResult,
  writeInitrd,
} from './write.js';
