/**
 * @initkit/uimage: U-Boot legacy images. Parse and validate the 64-byte header and payload, split and
 * build multi-file and script payloads, create images byte-identical to mkimage, and print the listing
 * `mkimage -l` prints. Isomorphic: Uint8Array in and out.
 */
export {
  ARCH_CODES,
  COMP_CODES,
  type CodeCategory,
  type CodeName,
  codeFromName,
  codeTable,
  findCode,
  longName,
  OS_CODES,
  shortName,
  TYPE_CODES,
  UIMAGE_ARCH,
  UIMAGE_COMP,
  UIMAGE_OS,
  UIMAGE_TYPE,
} from './codes.js';
export { UIMAGE_ERROR_CODES, type UImageErrorCode } from './errors.js';
export {
  computeHeaderCrc,
  encodeHeader,
  type HeaderFields,
  isUImage,
  parseHeader,
  UIMAGE_HEADER_SIZE,
  UIMAGE_MAGIC,
  UIMAGE_NAME_SIZE,
  type UImageHeader,
} from './header.js';
export {
  type CodeOrName,
  type CreateInput,
  type CreateOptions,
  createUImage,
  defaultTimestamp,
  hasFileTable,
  type ParseOptions,
  parseUImage,
  type UImage,
} from './image.js';
export { codeToJson, headerCodesToJson, type NamedCode, uimageToJson } from './json.js';
export { formatCtime, formatFixed2, formatListing, formatSize, type ListingOptions } from './listing.js';
export { buildMultiPayload, splitMultiPayload } from './multi.js';
