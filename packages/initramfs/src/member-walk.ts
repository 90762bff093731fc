/**
 * The one walk over an initrd's members, the way the kernel's unpack_to_rootfs walks its buffer: NUL
 * bytes are padding, `0707` at a 4-byte boundary starts an uncompressed archive, anything else must be
 * a compressed member in a format the kernel knows. Written once as a generator over a payload that
 * can be read by position (memory or a file); the adapter reads each member its own way (scan.ts in
 * memory, node/read-initrd.ts streaming) and hands the member's length back to `next(length)`.
 */
import { type CompressionFormat, detect } from '@initkit/compress';
import type { InitkitError } from '@initkit/core';
import { initramfsError } from './errors.js';

/** The payload of an initrd, read by position. */
export interface PayloadReader {
  length: number;
  /** Bytes start..end: a view (memory) or read into `target` when it is large enough (file). */
  read(start: number, end: number, target?: Uint8Array): Uint8Array;
}

/** A stretch the walk found: padding (walked past), or a member the adapter must read. */
export type MemberStep =
  | { kind: 'padding'; offset: number; length: number }
  | { kind: 'archive'; offset: number }
  | { kind: 'compressed'; offset: number; format: CompressionFormat };

/** Bytes a step looks at to classify what starts there. */
const HEAD = 16;
const ZERO_SCAN = 1 << 16;

/**
 * Yields each stretch of `payload` in order. After a member step the adapter must pass the member's
 * length (bytes it takes in the payload) to `next()`; after a padding step it passes nothing.
 * `baseOffset` (the payload's offset in the file, past a uImage header) locates errors.
 */
export function* walkMembers(payload: PayloadReader, baseOffset = 0): Generator<MemberStep, void, number | undefined> {
  const scratch = new Uint8Array(ZERO_SCAN);
  let position = 0;
  while (position < payload.length) {
    const head = payload.read(position, Math.min(position + HEAD, payload.length), scratch);
    if (head[0] === 0) {
      const end = zerosEnd(payload, position, scratch);
      yield { kind: 'padding', offset: position, length: end - position };
      position = end;
      continue;
    }
    const step: MemberStep =
      position % 4 === 0 && isCpioMagic(head, 0)
        ? { kind: 'archive', offset: position }
        : { kind: 'compressed', offset: position, format: compressionAt(head, 0, baseOffset + position) };
    const length = yield step;
    if (length === undefined || length <= 0) {
      throw new TypeError(`walkMembers: the adapter must pass the length of the member at ${position}`);
    }
    position += length;
  }
}

function zerosEnd(payload: PayloadReader, start: number, scratch: Uint8Array): number {
  let position = start;
  while (position < payload.length) {
    const piece = payload.read(position, Math.min(position + scratch.length, payload.length), scratch);
    const nonZero = piece.findIndex((byte) => byte !== 0);
    if (nonZero >= 0) return position + nonZero;
    position += piece.length;
  }
  return position;
}

/** True when a cpio newc/crc magic starts at `offset`. */
export function isCpioMagic(bytes: Uint8Array, offset: number): boolean {
  return (
    bytes.length - offset >= 6 &&
    bytes[offset] === 0x30 &&
    bytes[offset + 1] === 0x37 &&
    bytes[offset + 2] === 0x30 &&
    bytes[offset + 3] === 0x37 &&
    bytes[offset + 4] === 0x30 &&
    (bytes[offset + 5] === 0x31 || bytes[offset + 5] === 0x32)
  );
}

export function hexBytes(bytes: Uint8Array, offset: number, count: number): string {
  return Array.from(bytes.subarray(offset, offset + count), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The error for bytes that start no member the kernel accepts. */
function notAMember(bytes: Uint8Array, offset: number, absolute: number): InitkitError {
  if (bytes[offset] === 0x30 && bytes[offset + 1] === 0x37) {
    if (isCpioMagic(bytes, offset)) {
      return initramfsError(
        'INITRAMFS_MISALIGNED_ARCHIVE',
        `an uncompressed cpio archive must start on a 4-byte boundary (the kernel rejects it), found one at ${absolute}`,
        { offset: absolute },
      );
    }
    return initramfsError(
      'INITRAMFS_BAD_MEMBER',
      `expected a newc or crc cpio archive (070701/070702), found ${JSON.stringify(new TextDecoder().decode(bytes.subarray(offset, offset + 6)))} (odc and binary cpio are rejected by the kernel)`,
      { offset: absolute },
    );
  }
  const { format, description } = detect(bytes.subarray(offset, offset + HEAD));
  const why = format === 'lz4-frame' ? `found ${description}` : `found bytes ${hexBytes(bytes, offset, 8) || '(none)'}`;
  return initramfsError(
    'INITRAMFS_BAD_MEMBER',
    `expected NUL padding, a cpio archive or a compressed member (gzip, bzip2, lzma, xz, lzo, lz4, zstd), ${why}`,
    { offset: absolute },
  );
}

/** The compression of the member at `position`, or the typed error the kernel's "junk" becomes. */
function compressionAt(bytes: Uint8Array, position: number, absolute: number): CompressionFormat {
  const { format, kernelSupported } = detect(bytes.subarray(position, position + HEAD));
  if (format === 'unknown' || format === 'cpio' || format === 'none' || !kernelSupported) {
    throw notAMember(bytes, position, absolute);
  }
  return format;
}
