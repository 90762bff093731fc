/**
 * The kernel release record: the release read from the distribution kernel's image, with that image's
 * size and SHA-256, written when the kernel is installed (`archkernel-load prepare`, run by the pacman
 * hook), so the first boot after an install or upgrade does not decompress the image to find its banner
 * (5-11 s of an emulated C1's first boot). Used only when the image on disk has the recorded hash:
 * any other image is read again, so a stale record costs time, never a wrong release.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@initkit/core/node';

export interface ReleaseRecord {
  format: 1;
  /** The image's system path when it was read. */
  image: string;
  size: number;
  sha256: string;
  release: string;
  readAt: string;
}

/** The record, or undefined when missing or not a record (the release is then read from the image). */
export function readReleaseRecord(path: string): ReleaseRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as ReleaseRecord;
    return record.format === 1 &&
      typeof record.sha256 === 'string' &&
      typeof record.size === 'number' &&
      typeof record.release === 'string' &&
      record.release !== ''
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

/** The recorded release when the record is for exactly these image bytes (size and SHA-256). */
export function recordedRelease(
  record: ReleaseRecord | undefined,
  image: { size: number; sha256: string },
): string | undefined {
  return record && record.size === image.size && record.sha256 === image.sha256 ? record.release : undefined;
}

export async function writeReleaseRecord(path: string, record: ReleaseRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`), {
    mode: 0o644,
    durable: true,
  });
}
