/**
 * Every error code @initkit/initramfs throws, each with its one-line meaning (the README's table is
 * made from this list and test/errors.test.ts checks that src/ throws nothing else). Errors of the
 * formats inside an initrd keep their own packages' codes (CPIO_*, UIMAGE_*, GZIP_*, XZ_*, ...).
 */
import { type ErrorCodeOf, errorBuilder } from '@initkit/core';

export const INITRAMFS_ERROR_CODES = {
  INITRAMFS_TRUNCATED: 'the initrd file ended before the bytes its header or a member promised',
  INITRAMFS_TRAILING_DATA: "bytes follow a uImage's payload, which U-Boot would not pass to the kernel",
  INITRAMFS_NOT_A_RAMDISK: 'the uImage around the initrd is not a ramdisk image',
  INITRAMFS_BAD_MEMBER:
    'bytes start no member the kernel accepts (not NUL padding, newc/crc cpio or a kernel compression)',
  INITRAMFS_MISALIGNED_ARCHIVE: 'an uncompressed cpio archive starts off a 4-byte boundary, which the kernel rejects',
  INITRAMFS_JUNK_IN_MEMBER: "a compressed member's output holds bytes that start no archive after its archives",
  INITRAMFS_BAD_GZIP: "node:zlib refused a gzip member's data",
  INITRAMFS_TOO_LARGE: 'the initrd file or a decompressed member is over maxInputBytes or maxMemberBytes',
  INITRAMFS_BAD_PATH: 'an entry name or a path to edit is not a path inside the tree (empty, absolute outside, ..)',
  INITRAMFS_NO_PARENT: "a path's parent is not a directory in the merged tree",
  INITRAMFS_NOT_A_DIRECTORY: 'an edit puts something under a path that is not a directory',
  INITRAMFS_IS_A_DIRECTORY: 'an edit replaces a directory with another type (remove it first, in full mode)',
  INITRAMFS_NOT_A_FILE: 'a file to add from the host is not a regular file',
  INITRAMFS_NOT_FOUND: 'a path, module tree or profile asked for does not exist',
  INITRAMFS_APPEND_CANNOT_REMOVE: 'an append-mode edit asks to remove a path, which only a full rewrite can do',
  INITRAMFS_DATA_NOT_KEPT: "a file's contents were not kept when the initrd was read, so it cannot be written",
  INITRAMFS_CHANGED: 'the initrd file changed between reading it and copying from it',
  INITRAMFS_UNSUPPORTED: 'a compression initkit cannot encode, or that the kernel config does not enable',
  INITRAMFS_BAD_OPTION: 'an option or argument is missing, conflicting or out of range',
  INITRAMFS_NO_INIT: 'the initrd has no /init (to wrap, or to analyze)',
  INITRAMFS_NO_SHELL: 'the initrd has no /bin/sh to run a wrapper /init',
  INITRAMFS_NO_MODULES: 'no module names were given to add',
  INITRAMFS_MODULE_NOT_FOUND: 'the kernel has no module, alias or built-in of that name',
  INITRAMFS_BAD_RELEASE: 'a kernel release name is not one (empty, or holding a slash)',
  INITRAMFS_WRONG_MACHINE: "a module or binary is built for another machine than the initrd's kernel",
  INITRAMFS_BAD_ELF: 'a binary to add is not a well-formed ELF file',
  INITRAMFS_LIBRARY_NOT_FOUND: "a binary's interpreter or shared library is not on the host",
  INITRAMFS_NO_BUSYBOX: 'no busybox was found on the host for a built initrd',
  INITRAMFS_BAD_BUSYBOX: 'the busybox to pack has no applet table, or lacks an applet the generated /init runs',
  INITRAMFS_NO_PROFILES: "initkit's profile files cannot be found",
  INITRAMFS_BAD_PROFILE: 'a profile name or profile file line cannot be read',
} as const;

export type InitramfsErrorCode = ErrorCodeOf<typeof INITRAMFS_ERROR_CODES>;

export const initramfsError = errorBuilder(INITRAMFS_ERROR_CODES);
