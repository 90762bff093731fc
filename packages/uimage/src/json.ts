/**
 * The JSON form of a uImage, one shape wherever an image is printed as data (`initkit uimage list
 * --json`, the wrapper in `initkit initramfs analyze --json`, the web inspector): every header field,
 * the coded fields as `{ code, name }` (mkimage's short name, or null for a code mkimage does not know),
 * and where each file lies in the image.
 */

import { hex32 } from '@initkit/core';
import { type CodeCategory, shortName } from './codes.js';
import { UIMAGE_HEADER_SIZE } from './header.js';
import { hasFileTable, type UImage } from './image.js';

/** A coded header field: its number and mkimage's short name (`-A arm`, `-T ramdisk`), or null. */
export interface NamedCode {
  code: number;
  name: string | null;
}

/** One coded field as `{ code, name }`. */
export function codeToJson(category: CodeCategory, code: number): NamedCode {
  return { code, name: shortName(category, code) ?? null };
}

/** The os/arch/type/compression fields of a header-like record, each as `{ code, name }`. */
export function headerCodesToJson(header: { os: number; arch: number; type: number; compression: number }): {
  os: NamedCode;
  arch: NamedCode;
  type: NamedCode;
  compression: NamedCode;
} {
  return {
    os: codeToJson('os', header.os),
    arch: codeToJson('arch', header.arch),
    type: codeToJson('type', header.type),
    compression: codeToJson('comp', header.compression),
  };
}

/**
 * Every header field (times as seconds and ISO 8601, addresses and CRCs as 0x%08x), the coded fields
 * named, and each file's offset and size in the image. `files` only needs lengths, so a reader that
 * holds the header but not the payload can describe the image.
 */
export function uimageToJson(image: Pick<UImage, 'header' | 'dataCrcOk'> & { files: readonly { length: number }[] }) {
  const { header } = image;
  let offset = UIMAGE_HEADER_SIZE + (hasFileTable(header.type) ? 4 * (image.files.length + 1) : 0);
  const files = image.files.map((file, index) => {
    const entry = { index, offset, size: file.length };
    offset += file.length + ((4 - (file.length % 4)) % 4);
    return entry;
  });
  return {
    name: header.name,
    created: new Date(header.time * 1000).toISOString(),
    time: header.time,
    ...headerCodesToJson(header),
    size: header.size,
    payloadOffset: UIMAGE_HEADER_SIZE,
    loadAddress: hex32(header.load),
    entryPoint: hex32(header.entry),
    headerCrc: hex32(header.headerCrc),
    dataCrc: hex32(header.dataCrc),
    dataCrcOk: image.dataCrcOk,
    files,
  };
}
