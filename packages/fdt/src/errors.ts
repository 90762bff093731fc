/**
 * Every error code @initkit/fdt throws, each with the one-line meaning people see in docs and tests.
 * Nothing else leaves the package: a test checks that random and mutated blobs produce only these.
 */
import { type ErrorCodeOf, errorBuilder } from '@initkit/core';

export const FDT_ERROR_CODES = {
  FDT_BAD_MAGIC: 'the input does not start with the device tree magic 0xd00dfeed',
  FDT_TRUNCATED: 'the input, or a block the header points to, ends before the data it must hold',
  FDT_UNSUPPORTED: 'the header version is not 16 or 17, or last_comp_version is not one this reader accepts',
  FDT_CORRUPT: 'the structure block has an unknown token, an unterminated name or an unbalanced node',
  FDT_NOT_FOUND: 'a node, property, alias or phandle asked for does not exist',
  FDT_EXISTS: 'a node to be added already exists',
  FDT_BAD_PATH: 'a path is not absolute, or a node or property name is empty or contains "/" or NUL',
  FDT_BAD_VALUE: 'a property value does not have the size or form its accessor expects',
  FDT_TOO_LARGE: 'the blob, a property or the nesting depth is over a configured limit',
  FDT_BAD_OPTION: 'an option or argument is out of range (a padding size, a cell width, a value too wide)',
} as const;

export type FdtErrorCode = ErrorCodeOf<typeof FDT_ERROR_CODES>;

export const fdtError = errorBuilder(FDT_ERROR_CODES);
