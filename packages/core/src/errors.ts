/**
 * The one error type every initkit package throws for bad input or a refused operation.
 * `code` is stable and machine-readable (UIMAGE_BAD_HCRC, CPIO_TRUNCATED, ...); `offset` is the byte
 * position in the input where the problem was found, when there is one.
 */
/**
 * The codes @initkit/core itself throws (the other packages list theirs in their own errors.ts;
 * ByteReader throws the code its caller names, `checkLimit` the code it is given).
 */
export const CORE_ERROR_CODES = {
  FILE_TOO_LARGE: 'readFileLimited: the file is larger than the limit it was given',
  FILE_IS_DIRECTORY: 'readFileLimited: the path is a directory, not a file',
  BYTES_TRUNCATED: 'ByteReader: a read past the end, when the reader was given no truncatedCode of its own',
} as const;

export type CoreErrorCode = ErrorCodeOf<typeof CORE_ERROR_CODES>;

export interface InitkitErrorOptions {
  /** Byte offset in the input where the problem was found. */
  offset?: number;
  /** What was being read (a file name, a member, a module path), for the message prefix. */
  source?: string;
  cause?: unknown;
}

export class InitkitError extends Error {
  override readonly name = 'InitkitError';
  readonly code: string;
  readonly offset: number | undefined;
  readonly source: string | undefined;

  constructor(code: string, message: string, options: InitkitErrorOptions = {}) {
    super(formatMessage(message, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.offset = options.offset;
    this.source = options.source;
  }

  /** The same error with a source (file name) prepended, for layers that know where the bytes came from. */
  withSource(source: string): InitkitError {
    if (this.source !== undefined) return this;
    const copy = new InitkitError(this.code, this.message, { source, cause: this.cause });
    (copy as { offset: number | undefined }).offset = this.offset;
    return copy;
  }
}

function formatMessage(message: string, { offset, source }: InitkitErrorOptions): string {
  const where = offset === undefined ? '' : ` (at offset ${formatOffset(offset)})`;
  return `${source === undefined ? '' : `${source}: `}${message}${where}`;
}

/** Offsets print in decimal and hex, as people read them in hexdumps. */
export function formatOffset(offset: number): string {
  return `${offset} (0x${offset.toString(16)})`;
}

/** Formats a 32-bit value as 0x%08x, the way CRCs and magics are printed in messages. */
export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/** The codes of a closed error list: `type CpioErrorCode = ErrorCodeOf<typeof CPIO_ERROR_CODES>`. */
export type ErrorCodeOf<Table> = Extract<keyof Table, string>;

/** Builds a package's InitkitError; the code is typed by its list, so an unlisted code does not compile. */
export type ErrorBuilder<Code extends string> = (
  code: Code,
  message: string,
  options?: InitkitErrorOptions,
) => InitkitError;

/**
 * A package's error builder typed by its closed list (its `<NAME>_ERROR_CODES` table of code to
 * meaning): `export const cpioError = errorBuilder(CPIO_ERROR_CODES);`.
 */
export function errorBuilder<Table extends Readonly<Record<string, string>>>(
  _table: Table,
): ErrorBuilder<ErrorCodeOf<Table>> {
  return (code, message, options) => new InitkitError(code, message, options);
}

export function isInitkitError(error: unknown, code?: string): error is InitkitError {
  return error instanceof InitkitError && (code === undefined || error.code === code);
}
