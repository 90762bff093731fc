/**
 * @initkit/core/node: Node-only helpers shared by the CLI and the apps: atomic file replacement,
 * bounded file reads, running a bundle through V8's code cache, loading koffi (the FFI) fast, and file
 * reads through the C library where node:fs costs more than the reads (Node 20.11's start-up).
 */
export { type WriteFileAtomicOptions, writeFileAtomic, writeFileAtomicSync } from './node/atomic-write.js';
export { type CodeCacheRun, runWithCodeCache } from './node/code-cache.js';
export { findKoffiDirectory, koffiAddonPath, loadKoffi } from './node/koffi-addon.js';
export { type FileStatus, type LibcFiles, libcFiles, nodeFs, readFileFast } from './node/libc-files.js';
export { readFileLimited } from './node/read-file.js';
