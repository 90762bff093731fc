/**
 * A 100+ MB initrd for the memory and progress tests: an early uncompressed member (a microcode file)
 * and a zstd member (zstd(1) -1, as mkinitramfs compresses) holding an /init script and 100 files of
 * random bytes (1.1 MiB each: they do not compress, so the file is as large as what it unpacks to).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { concatBytes } from '@initkit/core';
import { type CpioEntryInput, directoryEntry, fileEntry, writeCpio } from '@initkit/cpio';

export const BIG_FILES = 100;
export const BIG_FILE_BYTES = 1_100 * 1024;

export interface BigInitrd {
  path: string;
  size: number;
  /** Bytes of cpio data the zstd member unpacks to. */
  unpacked: number;
  /** The early member alone (a small plain cpio archive). */
  early: string;
  /** One of the random files and its contents, to check a read back. */
  sample: { path: string; bytes: Uint8Array };
}

export function buildBigInitrd(directory: string): BigInitrd {
  const early = writeCpio([
    directoryEntry('kernel'),
    directoryEntry('kernel/x86'),
    directoryEntry('kernel/x86/microcode'),
    fileEntry('kernel/x86/microcode/GenuineIntel.bin', 'big test microcode\n'),
  ]);
  const entries: CpioEntryInput[] = [
    directoryEntry('.'),
    directoryEntry('data'),
    fileEntry('init', '#!/bin/sh\nexec /bin/sh\n', 0o755),
  ];
  let sample: BigInitrd['sample'] | undefined;
  for (let index = 0; index < BIG_FILES; index++) {
    const path = `data/random-${String(index).padStart(3, '0')}.bin`;
    const bytes = new Uint8Array(randomBytes(BIG_FILE_BYTES));
    if (index === 57) sample = { path, bytes };
    entries.push(fileEntry(path, bytes));
  }
  const archive = writeCpio(entries);
  const cpioPath = join(directory, 'big.cpio');
  writeFileSync(cpioPath, archive);
  const compressed = execFileSync('zstd', ['-1', '-q', '-c', cpioPath], { maxBuffer: 1 << 30 });
  rmSync(cpioPath);
  const path = join(directory, 'big-initrd.img');
  const image = concatBytes([early, compressed]);
  writeFileSync(path, image);
  writeFileSync(join(directory, 'early.cpio'), early);
  return { path, size: image.length, unpacked: archive.length, early: join(directory, 'early.cpio'), sample: sample! };
}
