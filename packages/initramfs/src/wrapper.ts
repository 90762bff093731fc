/**
 * The optional U-Boot wrapper: an initrd inside a legacy uImage (Scaleway's uInitrd is a ramdisk image
 * around a gzip'd newc archive). Unwrapping checks both CRCs; rewrapping keeps every header field of
 * the original (name, time, addresses, os, arch, type, compression) with the new size and CRCs.
 */
import { crc32, hex32, InitkitError } from '@initkit/core';
import {
  encodeHeader,
  hasFileTable,
  isUImage,
  parseUImage,
  shortName,
  UIMAGE_HEADER_SIZE,
  type UImageHeader,
} from '@initkit/uimage';
import { initramfsError } from './errors.js';

export interface Unwrapped {
  /** The uImage header, when the input had one. */
  header: UImageHeader | undefined;
  /** The initrd bytes (the uImage payload, or the whole input). */
  payload: Uint8Array;
  /** Offset of the payload in the input (64 with a header, else 0). */
  payloadOffset: number;
  /** Whether the header's data CRC matched (true without a header). */
  dataCrcOk: boolean;
}

export interface UnwrapOptions {
  /** Verify the uImage data CRC (default true). */
  verifyChecksums?: boolean;
  /** @deprecated Use `verifyChecksums` (the name every initkit package uses). */
  verifyDataCrc?: boolean;
}

/** Whether to check a wrapper's data CRC: `verifyChecksums`, else the deprecated `verifyDataCrc`, else true. */
export function verifiesChecksums(options: UnwrapOptions): boolean {
  return options.verifyChecksums ?? options.verifyDataCrc ?? true;
}

/** Detects and strips a uImage header. Bytes after the image's payload are refused. */
export function unwrapInitrd(bytes: Uint8Array, options: UnwrapOptions = {}): Unwrapped {
  if (!isUImage(bytes)) return { header: undefined, payload: bytes, payloadOffset: 0, dataCrcOk: true };
  const image = parseUImage(bytes, { verifyChecksums: verifiesChecksums(options) });
  if (hasFileTable(image.header.type)) {
    throw initramfsError(
      'INITRAMFS_NOT_A_RAMDISK',
      `expected a ramdisk uImage around the initrd, found a ${shortName('type', image.header.type) ?? image.header.type} image`,
      { offset: 30 },
    );
  }
  if (image.trailing > 0) {
    throw initramfsError(
      'INITRAMFS_TRAILING_DATA',
      `${image.trailing} bytes follow the uImage payload (${image.header.size} bytes); U-Boot would not pass them to the kernel`,
      { offset: UIMAGE_HEADER_SIZE + image.header.size },
    );
  }
  return {
    header: image.header,
    payload: image.payload,
    payloadOffset: UIMAGE_HEADER_SIZE,
    dataCrcOk: image.dataCrcOk,
  };
}

/**
 * A header for a new payload, keeping the original's fields. `payloadCrc` may be passed when the
 * caller already knows it (append mode continues the original CRC over the appended bytes).
 */
export function rewrapHeader(original: UImageHeader, payload: Uint8Array | number, payloadCrc?: number): Uint8Array {
  const size = typeof payload === 'number' ? payload : payload.length;
  const dataCrc = payloadCrc ?? (typeof payload === 'number' ? undefined : crc32(payload));
  if (dataCrc === undefined) throw initramfsError('INITRAMFS_BAD_OPTION', 'rewrapHeader needs the payload or its CRC');
  return encodeHeader({
    time: original.time,
    size,
    load: original.load,
    entry: original.entry,
    dataCrc,
    os: original.os,
    arch: original.arch,
    type: original.type,
    compression: original.compression,
    nameBytes: original.nameBytes,
  });
}

/** A uImage-wrapped initrd file must be exactly header + payload, as U-Boot passes it. */
export function checkWrappedSize(header: UImageHeader, fileSize: number): void {
  const end = UIMAGE_HEADER_SIZE + header.size;
  if (fileSize < end) {
    throw new InitkitError(
      'UIMAGE_TRUNCATED',
      `uImage payload: the header says ${header.size} bytes but only ${fileSize - UIMAGE_HEADER_SIZE} follow it`,
      { offset: fileSize },
    );
  }
  if (fileSize > end) {
    throw initramfsError(
      'INITRAMFS_TRAILING_DATA',
      `${fileSize - end} bytes follow the uImage payload (${header.size} bytes); U-Boot would not pass them to the kernel`,
      { offset: end },
    );
  }
}

/** Throws when a payload's CRC-32, computed by the caller in pieces, differs from the header's. */
export function checkPayloadCrc(header: UImageHeader, crc: number): void {
  if (crc !== header.dataCrc) {
    throw new InitkitError(
      'UIMAGE_BAD_DCRC',
      `uImage data CRC mismatch: header says ${hex32(header.dataCrc)}, payload gives ${hex32(crc)}`,
      { offset: 24 },
    );
  }
}
