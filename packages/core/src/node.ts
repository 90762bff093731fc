/**
 * @initkit/core/node: Node-only helpers shared by the CLI and the apps: atomic file replacement and
 * bounded file reads.
 */
export { type WriteFileAtomicOptions, writeFileAtomic, writeFileAtomicSync } from './node/atomic-write.js';
export { readFileLimited } from './node/read-file.js';
