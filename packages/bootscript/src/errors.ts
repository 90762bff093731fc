/**
 * Every error code @initkit/bootscript throws, each with its one-line meaning. Evaluation never throws
 * for what a script does: U-Boot's failures become $? and plan warnings. A damaged script image throws
 * @initkit/uimage's codes (UIMAGE_*), which its README lists.
 */
import { type ErrorCodeOf, errorBuilder } from '@initkit/core';

export const BOOTSCRIPT_ERROR_CODES = {
  BOOTSCRIPT_NOT_SCRIPT: 'the uImage is valid but its type is not script (6)',
  BOOTSCRIPT_EMPTY: "the script image's size table starts with 0: it holds no script",
  BOOTSCRIPT_SYNTAX: 'the text is not a script hush accepts (message: line, column and what hush expected)',
} as const;

export type BootscriptErrorCode = ErrorCodeOf<typeof BOOTSCRIPT_ERROR_CODES>;

export const bootscriptError = errorBuilder(BOOTSCRIPT_ERROR_CODES);
