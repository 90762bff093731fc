/**
 * Reads and writes files of the C1 rig's ext4 root disk from the host with debugfs (e2fsprogs), without
 * mounting it: between power-ons only (no guest attached), to set a scene on the disk or read what a
 * boot left there. Every write is read back and compared (debugfs exits 0 even when a command fails).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

function debugfs(image: string, commands: string[], writable: boolean): string {
  const directory = mkdtempSync(join(tmpdir(), 'initkit-c1-debugfs-'));
  try {
    const script = join(directory, 'commands');
    writeFileSync(script, `${commands.join('\n')}\n`);
    return execFileSync('debugfs', [...(writable ? ['-w'] : []), '-f', script, image], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The bytes of `path` on the disk, or undefined when it is not there. */
export function readDiskFile(image: string, path: string): Buffer | undefined {
  const directory = mkdtempSync(join(tmpdir(), 'initkit-c1-debugfs-'));
  try {
    const out = join(directory, 'file');
    debugfs(image, [`dump ${path} ${out}`], false);
    try {
      return readFileSync(out);
    } catch {
      return undefined;
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Writes `data` as `path` (replacing it; its directory is created), owned by root with `mode`. */
export function writeDiskFile(image: string, path: string, data: Uint8Array, mode = 0o644): void {
  const directory = mkdtempSync(join(tmpdir(), 'initkit-c1-debugfs-'));
  try {
    const source = join(directory, 'file');
    writeFileSync(source, data, { mode });
    const parents: string[] = [];
    for (let parent = posix.dirname(path); parent !== '/'; parent = posix.dirname(parent)) parents.unshift(parent);
    debugfs(
      image,
      [
        ...parents.map((parent) => `mkdir ${parent}`),
        `rm ${path}`,
        `cd ${posix.dirname(path)}`,
        `write ${source} ${posix.basename(path)}`,
        `sif ${path} uid 0`,
        `sif ${path} gid 0`,
      ],
      true,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const back = readDiskFile(image, path);
  if (!back?.equals(Buffer.from(data))) {
    throw new Error(`debugfs did not write ${path} into ${image} (read back ${back?.length ?? 'nothing'})`);
  }
}
