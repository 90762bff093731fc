/**
 * @initkit/core: what every initkit format needs. Isomorphic: imports nothing from `node:`.
 */

export { ByteQueue, type ByteSource, sourceChunks } from './byte-queue.js';
export { ByteReader, type ByteReaderOptions, decodeLatin1, decodeUtf8 } from './byte-reader.js';
export { ByteWriter, encodeUtf8 } from './byte-writer.js';
export { concatBytes } from './concat-bytes.js';
export { crc32 } from './crc32.js';
export { crc64 } from './crc64.js';
export {
  CORE_ERROR_CODES,
  type CoreErrorCode,
  type ErrorBuilder,
  type ErrorCodeOf,
  errorBuilder,
  hex32,
  InitkitError,
  type InitkitErrorOptions,
  isInitkitError,
} from './errors.js';
export { checkLimit, DEFAULT_LIMITS, type Limits } from './limits.js';
