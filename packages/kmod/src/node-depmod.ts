/**
 * @initkit/kmod/node/depmod: only `depmod -b` on a directory (depmodDirectory, moduleDirectory), as
 * a small entry for programs that run just that: it loads no compression or kernel-image code unless
 * the tree has compressed modules, so a command's start-up stays short. The same functions are in
 * @initkit/kmod/node.
 */

export { type DepmodDirectoryOptions, depmodDirectory, moduleDirectory } from './node/depmod-directory.js';
