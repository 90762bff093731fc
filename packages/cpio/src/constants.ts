/**
 * The numbers of the cpio formats: magics, header sizes, file-type bits of `mode`, and the trailer
 * name that ends an archive.
 */

/** The formats this package reads. Only newc and crc are accepted by the kernel. */
export type CpioFormat = 'newc' | 'crc' | 'odc' | 'binary-le' | 'binary-be';

/** Formats the writer produces (the two the kernel's initramfs unpacker accepts). */
export type CpioWriteFormat = 'newc' | 'crc';

export const NEWC_MAGIC = '070701';
export const CRC_MAGIC = '070702';
export const ODC_MAGIC = '070707';
/** Old binary magic 0o070707 as a 16-bit word. */
export const BINARY_MAGIC = 0o070707;

export const NEWC_HEADER_SIZE = 110;
export const ODC_HEADER_SIZE = 76;
export const BINARY_HEADER_SIZE = 26;

export const TRAILER_NAME = 'TRAILER!!!';

/** File-type bits of `mode` (the values of S_IFMT and friends on Linux, as cpio stores them). */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** True for the formats the kernel unpacks; odc and old binary are read only for inspection. */
export function isKernelFormat(format: CpioFormat): boolean {
  return format === 'newc' || format === 'crc';
}
