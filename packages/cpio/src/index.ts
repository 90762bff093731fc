/**
 * @initkit/cpio: cpio newc/crc reader (in memory and streaming), writer, archive model, gen_init_cpio
 * lists and `cpio -tv` listings. Isomorphic: Uint8Array in and out, nothing from `node:`.
 */
export { CpioArchive } from './archive.js';
export { cpioChecksum } from './checksum.js';
export {
  type CpioFormat,
  type CpioWriteFormat,
  isKernelFormat,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  TRAILER_NAME,
} from './constants.js';
export {
  type CpioEntry,
  type CpioEntryInput,
  type CpioEntryType,
  type CpioHeaderFields,
  type CpioRecord,
  deviceEntry,
  directoryEntry,
  type EntryOptions,
  entryType,
  fifoEntry,
  fileEntry,
  hardLinkEntries,
  linkTarget,
  socketEntry,
  symlinkEntry,
  symlinkTarget,
} from './entry.js';
export { CPIO_ERROR_CODES, type CpioErrorCode } from './errors.js';
export {
  archiveFromList,
  entriesFromList,
  formatInitramfsList,
  type InitramfsListItem,
  type ListBuildOptions,
  type ListFile,
  type ListFormatOptions,
  type ListParseOptions,
  type ListWarning,
  parseInitramfsList,
} from './gen-init-cpio.js';
export { detectFormat as detectCpioFormat } from './header.js';
export {
  entryToJson,
  formatLongListing,
  type ListableEntry,
  type LongListingOptions,
  modeString,
} from './listing.js';
export { decodeCpioName, encodeCpioName, escapeCpioName, isUtf8Name, quoteCpioName } from './name.js';
export { comparePaths, normalizeCpioPath, parentPath, ROOT_NAME } from './path.js';
export {
  type CpioArchiveInfo,
  CpioReader,
  type CpioReadResult,
  type ReadCpioOptions,
  readCpio,
  skipZeroPadding,
} from './reader.js';
export { type CpioStreamEntry, CpioStreamReader, type ReadCpioStreamOptions, readCpioStream } from './stream-reader.js';
export { CpioWriter, type CpioWriterOptions, type HeaderToWrite, type WriteCpioOptions, writeCpio } from './writer.js';
