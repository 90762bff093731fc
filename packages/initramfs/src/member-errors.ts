/**
 * Errors met inside an initrd, worded and located the same way by every streaming reader (the Node file
 * reader and the isomorphic source reader): the member is named by its file offset, and offsets point
 * into the file, or into the member's decompressed data when that is where the fault is.
 */
import { type CompressionFormat, decode } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { junkInMember } from './scan.js';

/** A decoder's "(at offset N)" suffix: the error's offset says it again, located in the file. */
function withoutOffsetSuffix(message: string): string {
  return message.replace(/ \(at offset [^)]*\)\)?$/, '');
}

/** A decoder error in a compressed member, its offset (counted in the member) moved into the file. */
export function memberDecodeError(error: InitkitError, format: string, absolute: number): InitkitError {
  return new InitkitError(error.code, `member at ${absolute} (${format}): ${withoutOffsetSuffix(error.message)}`, {
    offset: absolute + (error.offset ?? 0),
    cause: error,
  });
}

/** Passes a decoder's chunks through, its typed errors reworded by memberDecodeError. */
export async function* namedDecodeErrors(
  chunks: AsyncIterable<Uint8Array>,
  format: string,
  absolute: number,
): AsyncGenerator<Uint8Array, void, void> {
  try {
    yield* chunks;
  } catch (error) {
    if (!(error instanceof InitkitError)) throw error;
    throw memberDecodeError(error, format, absolute);
  }
}

/**
 * A cpio error while a member's archives were read, located as the in-memory reader (scan.ts) locates
 * it. `archiveStart` is where the failing archive began in the stream: bad magic right there, in
 * decompressed data, is junk in the member rather than a broken archive.
 */
export function locateArchiveError(
  caught: unknown,
  archiveStart: number,
  absolute: number,
  concatenated: boolean,
): unknown {
  let error = caught;
  if (
    concatenated &&
    error instanceof InitkitError &&
    error.code === 'CPIO_BAD_MAGIC' &&
    error.offset === archiveStart
  ) {
    error = junkInMember(error.message.replace(/^expected a cpio header \([^)]*\), /, ''), error.offset);
  }
  if (!(error instanceof InitkitError) || error.message.startsWith('member at')) return error;
  // Offsets in an uncompressed member count from its start; in a compressed one, in its output.
  const offset = concatenated || error.offset === undefined ? error.offset : absolute + error.offset;
  const where = concatenated
    ? `member at ${absolute} (offset ${error.offset} of its decompressed data)`
    : `member at ${absolute}`;
  return new InitkitError(error.code, `${where}: ${withoutOffsetSuffix(error.message)}`, { offset, cause: error });
}

/** A member in a format with no streaming decoder, decoded whole; its errors name the member. */
export function decodeMemberWhole(
  bytes: Uint8Array,
  format: CompressionFormat,
  limits: { maxMemberBytes?: number; maxRatio?: number },
  absolute: number,
): { output: Uint8Array; consumed: number } {
  try {
    return decode(bytes, { format, maxOutputBytes: limits.maxMemberBytes, maxRatio: limits.maxRatio });
  } catch (error) {
    if (!(error instanceof InitkitError)) throw error;
    throw new InitkitError(error.code, `${format} member at ${absolute}: ${error.message}`, {
      offset: absolute + (error.offset ?? 0),
      cause: error,
    });
  }
}
