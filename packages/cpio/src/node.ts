/**
 * @initkit/cpio/node: Node-only helpers: pack a directory tree into an archive, extract an archive
 * safely with a report of what was left out, list archive files by position, and stream files and pipes.
 */
export { deviceMajor, deviceMinor } from './node/device-numbers.js';
export { type ExtractOptions, type ExtractReport, extractCpio, type SkippedEntry } from './node/extract.js';
export { type CpioFileEntry, CpioFileReader } from './node/file-reader.js';
export { fileChunks } from './node/file-source.js';
export {
  collectTree,
  type PackInput,
  type PackOptions,
  type PackSummary,
  packDirectory,
  packDirectoryToFile,
} from './node/pack.js';
