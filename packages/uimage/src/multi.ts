/**
 * Multi-file payloads (types multi and script): a big-endian u32 size table ended by a zero word, then
 * the files, each but the last zero-padded to a multiple of 4 bytes.
 */
import { ByteReader, ByteWriter } from '@initkit/core';
import { uimageError } from './errors.js';
import { UIMAGE_HEADER_SIZE } from './header.js';

/**
 * Splits a multi payload into its files (zero-copy views). `payloadOffset` is where the payload sits
 * in the whole image, for error offsets.
 */
export function splitMultiPayload(payload: Uint8Array, payloadOffset = UIMAGE_HEADER_SIZE): Uint8Array[] {
  const reader = new ByteReader(payload, {
    truncatedCode: 'UIMAGE_TRUNCATED',
    baseOffset: payloadOffset,
    what: 'multi-file size table',
  });
  const sizes: number[] = [];
  for (;;) {
    const size = reader.u32be();
    if (size === 0) break;
    sizes.push(size);
  }
  const files: Uint8Array[] = [];
  sizes.forEach((size, index) => {
    const at = reader.offset;
    if (size > reader.remaining) {
      throw uimageError(
        'UIMAGE_CORRUPT',
        `multi-file image: file ${index} is ${size} bytes but only ${reader.remaining} remain in the payload`,
        { offset: at },
      );
    }
    files.push(reader.bytesView(size));
    if (index < sizes.length - 1) {
      const padding = (4 - (size % 4)) % 4;
      reader.skip(Math.min(padding, reader.remaining));
    }
  });
  return files;
}

/** Builds a multi payload from files, exactly as mkimage lays it out. */
export function buildMultiPayload(files: readonly Uint8Array[]): Uint8Array {
  const total = files.reduce((sum, file) => sum + file.length + 3, 4 * (files.length + 1));
  const writer = new ByteWriter(total);
  for (const file of files) writer.u32be(file.length);
  writer.u32be(0);
  files.forEach((file, index) => {
    writer.bytes(file);
    if (index < files.length - 1) writer.align(4);
  });
  return writer.finish();
}
