/**
 * Writing a build plan as initrd bytes that are the same on any machine: entries sorted, owners 0,
 * one mtime (SOURCE_DATE_EPOCH, else 0), inode numbers assigned in output order, the archive
 * compressed as one member; early microcode (kernel/x86/microcode/*.bin) goes first as an
 * uncompressed archive, as the kernel's early loader needs.
 */
import { type CompressionFormat, encode } from '@initkit/compress';
import { type CpioEntryInput, deviceEntry, directoryEntry, fileEntry, symlinkEntry, writeCpio } from '@initkit/cpio';
import type { BuildPlan, PlannedPath } from './plan.js';

export interface WriteImageOptions {
  compression: CompressionFormat;
  level?: number;
  /** mtime of every entry (default 0). */
  mtime?: number;
  /** Early microcode files: name (e.g. GenuineIntel.bin or AuthenticAMD.bin) and bytes. */
  microcode?: readonly { name: string; data: Uint8Array }[];
  /** Replaces the default encoder (e.g. the Node build's zlib gzip). */
  encode?: typeof encode;
}

function entryOf(path: PlannedPath): CpioEntryInput {
  switch (path.kind) {
    case 'directory':
      return directoryEntry(path.path, path.mode);
    case 'symlink':
      return symlinkEntry(path.path, new TextDecoder().decode(path.data));
    case 'char':
      return deviceEntry(path.path, 'char', path.rdev![0], path.rdev![1], path.mode);
    case 'file':
      return fileEntry(path.path, path.data ?? new Uint8Array(0), path.mode);
  }
}

/** The uncompressed early archive holding the microcode, or undefined when there is none. */
export function microcodeArchive(
  files: readonly { name: string; data: Uint8Array }[],
  mtime = 0,
): Uint8Array | undefined {
  if (files.length === 0) return undefined;
  const entries: CpioEntryInput[] = [
    directoryEntry('kernel'),
    directoryEntry('kernel/x86'),
    directoryEntry('kernel/x86/microcode'),
    ...files.map((file) => fileEntry(`kernel/x86/microcode/${file.name}`, file.data, 0o644)),
  ];
  return writeCpio(entries, { reproducible: true, mtime });
}

export function writeImage(plan: BuildPlan, options: WriteImageOptions): Uint8Array {
  const mtime = options.mtime ?? 0;
  const archive = writeCpio(plan.paths.map(entryOf), { reproducible: true, mtime });
  const compress = options.encode ?? encode;
  const main =
    options.compression === 'none'
      ? archive
      : compress(options.compression, archive, options.level === undefined ? {} : { level: options.level });
  const early = microcodeArchive(options.microcode ?? [], mtime);
  if (!early) return main;
  const joined = new Uint8Array(early.length + main.length);
  joined.set(early, 0);
  joined.set(main, early.length);
  return joined;
}
