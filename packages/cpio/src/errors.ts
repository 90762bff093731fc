/**
 * Every error code @initkit/cpio throws, each with its one-line meaning (the README's table is made
 * from this list and test/errors.test.ts checks that src/ throws nothing else). Codes follow the
 * suffix vocabulary in CONTRIBUTING.md.
 */
import { type ErrorCodeOf, errorBuilder } from '@initkit/core';

export const CPIO_ERROR_CODES = {
  CPIO_TRUNCATED: 'the input ends inside a header, name, padding or data, or before TRAILER!!!',
  CPIO_BAD_MAGIC: 'the bytes where a header belongs start no cpio magic (070701, 070702, 070707 or binary)',
  CPIO_NOT_KERNEL_FORMAT: 'an odc or old-binary header where only newc and crc are accepted, as the kernel requires',
  CPIO_BAD_HEADER: 'a header field is not 8 hex digits (newc, crc) or its octal digits (odc)',
  CPIO_BAD_NAMESIZE: 'a header says its name is 0 bytes long (the NUL alone needs 1)',
  CPIO_NAME_NOT_TERMINATED: 'the last byte of a name is not the NUL its namesize counts',
  CPIO_BAD_CHECKSUM: "a crc entry's data does not sum to its header's check field",
  CPIO_TOO_LARGE:
    'a name, the entry count or an entry held in memory is over maxNameBytes, maxEntries or maxEntryBytes',
  CPIO_STREAM_REUSED: 'a streamed archive, or one entry of it, is iterated a second time',
  CPIO_BAD_NAME: 'a name string holds a lone surrogate that does not stand for a byte, so it has no bytes to write',
  CPIO_BAD_PATH: "a path is empty, holds a NUL or a '..' component, or would move a directory into itself",
  CPIO_BAD_FIELD: 'a value to write does not fit its header field (newc fields are 32 bits)',
  CPIO_BAD_OPTION: 'a writer option is out of range (a format other than newc or crc, a fractional block size)',
  CPIO_BAD_LINK: 'a hard link is asked for to something that is not a regular file',
  CPIO_HARDLINK_CONFLICT: 'entries sharing an inode (a hard-link group) carry different data or types',
  CPIO_WRITER_FINISHED: 'an entry is added to a writer after finish()',
  CPIO_EXISTS: 'the archive model already has an entry at that name',
  CPIO_NOT_FOUND: 'the archive model has no entry at that name',
  CPIO_NOT_EMPTY: 'a directory to remove still has entries (remove them first, or ask for a recursive removal)',
  CPIO_NOT_A_DIRECTORY: 'the directory to pack is not a directory',
  CPIO_FILE_CHANGED: 'a file changed size while it was being packed',
  CPIO_LIST_SYNTAX: 'a gen_init_cpio list line cannot be read (too few fields, a bad number)',
  CPIO_LIST_BAD_MTIME: 'the mtime option of a gen_init_cpio list is not a number of seconds in range',
  CPIO_LIST_UNREPRESENTABLE: 'an entry cannot be written as a gen_init_cpio list line (a name with a space or newline)',
} as const;

export type CpioErrorCode = ErrorCodeOf<typeof CPIO_ERROR_CODES>;

export const cpioError = errorBuilder(CPIO_ERROR_CODES);
