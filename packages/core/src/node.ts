/**
 * @initkit/core/node: Node-only helpers shared by the CLI and the apps: atomic file replacement,
 * bounded file reads, running a bundle through V8's code cache, and loading koffi (the FFI) fast.
 */
export { type WriteFileAtomicOptions, writeFileAtomic, writeFileAtomicSync } from './node/atomic-write.js';
export { type CodeCacheRun, runWithCodeCache } from './node/code-cache.js';
export { findKoffiDirectory, koffiAddonPath, loadKoffi } from './node/koffi-addon.js';
export { readFileLimited } from './node/read-file.js';
