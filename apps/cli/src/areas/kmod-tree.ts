/**
 * Which module tree a kmod command reads: ROOT/lib/modules/RELEASE, as modprobe -d/-S and modinfo
 * -b/-k name it. Without a release: the only one the root's tree holds, else the running kernel's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { release as runningRelease } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The release to use: the one asked for, the only one under ROOT/lib/modules, or `uname -r`. */
export function chooseRelease(root: string, asked: string | undefined): string {
  if (asked !== undefined) return asked;
  let releases: string[] = [];
  try {
    releases = readdirSync(join(root, 'lib/modules'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    // No tree there: the running kernel's release, as modprobe uses, and its error names the directory.
  }
  return releases.length === 1 ? releases[0]! : runningRelease();
}

/** A modules.dep path on disk: absolute paths (external modules) are used as they are, as libkmod does. */
export function modulePath(directory: string, path: string): string {
  return isAbsolute(path) ? path : join(directory, path);
}

/** modprobe.d files from -C DIR only, in name order. */
export function configFilesIn(directory: string): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.conf'))
    .sort()
    .map((name) => readFileSync(join(directory, name), 'utf8'));
}
