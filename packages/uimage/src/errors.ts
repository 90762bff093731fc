/**
 * Every error code @initkit/uimage throws, each with the one-line meaning people see in docs and tests.
 * The header checksum codes keep mkimage's field names (ih_hcrc, ih_dcrc): `_BAD_<FIELD>` in the suffix
 * vocabulary of CONTRIBUTING.md.
 */
import { type ErrorCodeOf, errorBuilder } from '@initkit/core';

export const UIMAGE_ERROR_CODES = {
  UIMAGE_TRUNCATED: 'the input ends inside the 64-byte header, the payload or a multi-file size table',
  UIMAGE_BAD_MAGIC: 'the input does not start with the uImage magic 0x27051956',
  UIMAGE_BAD_HCRC: 'the header checksum (ih_hcrc) does not match the header',
  UIMAGE_BAD_DCRC: 'the data checksum (ih_dcrc) does not match the payload (verifyChecksums: false reads it anyway)',
  UIMAGE_CORRUPT: "a multi-file or script image's size table names more bytes than the payload holds",
  UIMAGE_BAD_OPTION:
    'an input to createUImage is out of range: no file, several files for a single-file type, an unknown name or code, execute-in-place data without its 0xff header room',
} as const;

export type UImageErrorCode = ErrorCodeOf<typeof UIMAGE_ERROR_CODES>;

export const uimageError = errorBuilder(UIMAGE_ERROR_CODES);
