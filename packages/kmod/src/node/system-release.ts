/**
 * Kernel releases of an installed system without reading a kernel image: every
 * ROOT/usr/lib/modules/<release>/ (or lib/modules) with the package it belongs to from its `pkgbase`
 * file (Arch Linux), and the release a mkinitcpio preset pins with ALL_kver when it names a version.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelVersion } from '../kernel-version.js';

export interface SystemKernelRelease {
  release: string;
  /** The module directory of this release. */
  modulesDir: string;
  /** Arch Linux: the package that installed it (the pkgbase file), e.g. "linux-armv7". */
  pkgbase: string | undefined;
  /** The kernel image installed beside the modules (Arch: modules/<release>/vmlinuz), if present. */
  vmlinuz: string | undefined;
}

/** The releases under ROOT/usr/lib/modules and ROOT/lib/modules, sorted by release. */
export function kernelReleasesFromSystem(root = '/'): SystemKernelRelease[] {
  const found = new Map<string, SystemKernelRelease>();
  for (const base of [join(root, 'usr', 'lib', 'modules'), join(root, 'lib', 'modules')]) {
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (!entry.isDirectory() || found.has(entry.name)) continue;
      const modulesDir = join(base, entry.name);
      const pkgbase = readTrimmed(join(modulesDir, 'pkgbase'));
      const vmlinuz = existsSync(join(modulesDir, 'vmlinuz')) ? join(modulesDir, 'vmlinuz') : undefined;
      found.set(entry.name, { release: entry.name, modulesDir, pkgbase, vmlinuz });
    }
  }
  return [...found.values()].sort((a, b) => (a.release < b.release ? -1 : a.release > b.release ? 1 : 0));
}

/**
 * The release of an Arch package, by its pkgbase ("linux", "linux-armv7"): the modules directory
 * whose pkgbase file names it, else the ALL_kver of ROOT/etc/mkinitcpio.d/<pkgbase>.preset: a
 * release as it stands, or the path of a kernel image whose release is read from the image.
 */
export function kernelReleaseForPkgbase(pkgbase: string, root = '/'): string | undefined {
  const byPkgbase = kernelReleasesFromSystem(root).filter((release) => release.pkgbase === pkgbase);
  if (byPkgbase.length > 0) return byPkgbase.at(-1)!.release;
  const preset = readTrimmed(join(root, 'etc', 'mkinitcpio.d', `${pkgbase}.preset`));
  if (preset === undefined) return undefined;
  const match = /^\s*ALL_kver\s*=\s*(["']?)([^"'\n]+)\1\s*$/m.exec(preset);
  const value = match?.[2]?.trim();
  if (!value) return undefined;
  if (!value.startsWith('/')) return value;
  try {
    return kernelVersion(new Uint8Array(readFileSync(join(root, value)))).release;
  } catch {
    return undefined;
  }
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
