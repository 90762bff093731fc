/**
 * @initkit/initramfs/node: Node-only helpers: open initrd files with gzip members inflated as streams
 * by node:zlib (memory bounded by what is kept), module trees on disk as module sources, and safe
 * extraction into a directory (merged, or laid out as unmkinitramfs does), and the merged tree as a
 * streamed archive for extraction and full rewrites (memory independent of the tree's size).
 */

export * from './build/node/index.js';
export { type ExtractInitrdOptions, extractInitrd } from './node/extract.js';
export { type ModuleSourceOptions, moduleSourceFromDirectory } from './node/module-source.js';
export { type OpenInitrdOptions, openInitrd, openInitrdFile } from './node/read-initrd.js';
export { type TreeArchiveOptions, treeArchive } from './node/tree-archive.js';
export { fullCompression, type StreamedFullWrite, writeInitrdFullStream } from './node/write-stream.js';
