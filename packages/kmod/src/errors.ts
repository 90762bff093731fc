/**
 * Every error code @initkit/kmod throws, each with its one-line meaning. Decompressing a .ko.xz/.ko.zst/
 * .ko.gz throws @initkit/compress's codes, which its README lists.
 */
import { type ErrorCodeOf, errorBuilder } from '@initkit/core';

export const KMOD_ERROR_CODES = {
  KMOD_MODULE_NOT_FOUND: 'no module, alias or built-in has the name asked for',
  KMOD_DEPENDENCY_NOT_FOUND: 'modules.dep lists a dependency that is not itself a module in modules.dep',
  KMOD_DEPENDENCY_CYCLE: 'modules depend on each other in a cycle (modprobe and depmod refuse it too)',
  KMOD_FILE_NOT_FOUND: 'modules.dep names a module file that is not in the module directory',
  KMOD_MODULES_DEP_NOT_FOUND: 'the module directory has neither modules.dep nor modules.dep.bin',
  KMOD_KERNEL_VERSION_NOT_FOUND: 'no kernel version string in the image, or the image format is not one initkit reads',
  KMOD_BAD_LINE: 'a line of a text index (modules.dep, modules.alias, modprobe.d...) is not in its format',
  KMOD_NOT_A_MODULE: 'the bytes are neither an ELF file nor a gzip, xz or zstd compressed one',
  KMOD_ELF_BAD_MAGIC: 'the module does not start with the ELF magic 7f 45 4c 46',
  KMOD_ELF_TRUNCATED: 'a header, section or table lies past the end of the module file',
  KMOD_ELF_CORRUPT:
    'the ELF header or a section is inconsistent: class, byte order, section table, a name without its NUL, .modinfo or __versions entries',
  KMOD_SIGNATURE_CORRUPT: "the appended signature's PKCS#7 DER is malformed",
  KMOD_INDEX_TRUNCATED: 'a modules.*.bin index ends inside a header, node or string',
  KMOD_INDEX_BAD_MAGIC: 'a modules.*.bin file does not start with the index magic 0xb007f457',
  KMOD_INDEX_UNSUPPORTED: 'a modules.*.bin index is not version 2.x',
  KMOD_INDEX_CORRUPT: 'a modules.*.bin node is outside the file, reached twice, or has an impossible child range',
  KMOD_INDEX_BAD_KEY: 'a key or value to write into an index is not 7-bit ASCII',
  KMOD_INDEX_TOO_LARGE: "an index to write is over the format's 256 MiB node offset limit (0x0fffffff)",
} as const;

export type KmodErrorCode = ErrorCodeOf<typeof KMOD_ERROR_CODES>;

export const kmodError = errorBuilder(KMOD_ERROR_CODES);
