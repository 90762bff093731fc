/**
 * Small initrds built in memory for the unit tests: archives from entry lists (through @initkit/cpio),
 * compressed members (through @initkit/compress), padding, and a uImage wrapper.
 */

import { type CompressionFormat, encode } from '@initkit/compress';
import { concatBytes } from '@initkit/core';
import { type CpioEntryInput, directoryEntry, fileEntry, symlinkEntry, writeCpio } from '@initkit/cpio';
import { createUImage } from '@initkit/uimage';

export { directoryEntry, fileEntry, symlinkEntry };

export function archive(entries: CpioEntryInput[]): Uint8Array {
  return writeCpio(entries);
}

export function member(entries: CpioEntryInput[], format: CompressionFormat = 'gzip'): Uint8Array {
  const bytes = archive(entries);
  if (format === 'none') return bytes;
  return encode(format, bytes);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts).slice();
}

/** Zero bytes up to the next multiple of `block` after `length`. */
export function padTo(length: number, block: number): Uint8Array {
  return new Uint8Array((block - (length % block)) % block);
}

export function ramdisk(payload: Uint8Array): Uint8Array {
  return createUImage({
    arch: 'arm',
    os: 'linux',
    type: 'ramdisk',
    compression: 'none',
    load: 0,
    entry: 0,
    name: 'initramfs',
    time: 1_700_000_000,
    data: payload,
  });
}

/** A busybox-style tree: usr-merged symlinks, a shell, /init as a script, an /etc file. */
export function systemTree(): CpioEntryInput[] {
  return [
    directoryEntry('.'),
    symlinkEntry('bin', 'usr/bin'),
    symlinkEntry('lib', 'usr/lib'),
    directoryEntry('usr'),
    directoryEntry('usr/bin'),
    directoryEntry('usr/lib'),
    fileEntry('usr/bin/busybox', 'ELF busybox stand-in', 0o755),
    symlinkEntry('usr/bin/sh', 'busybox'),
    directoryEntry('etc'),
    fileEntry('etc/hostname', 'box\n'),
    fileEntry('init', '#!/bin/sh\necho vendor init\n', 0o755),
  ];
}

export const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);
