/** Arch Linux fallbacks for the kernel release: pkgbase files and mkinitcpio presets, on a fake root. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { kernelReleaseForPkgbase, kernelReleasesFromSystem } from '../src/node/system-release.js';

function arm64Image(release: string): Uint8Array {
  const image = new Uint8Array(4096);
  new DataView(image.buffer).setUint32(0x38, 0x644d5241, true);
  image.set(new TextEncoder().encode(`Linux version ${release} (builder@archlinuxarm) #1 SMP\n`), 512);
  return image;
}

describe('kernel releases of an installed system', () => {
  const temp = useTempDir('initkit-kmod-system-');

  it('lists module directories with their pkgbase and finds a release by pkgbase', () => {
    const root = join(temp(), 'pkgbase');
    for (const [release, pkgbase] of <[string, string][]>[
      ['6.12.1-1-ARCH', 'linux'],
      ['6.6.60-1-lts', 'linux-lts'],
    ]) {
      mkdirSync(join(root, 'usr/lib/modules', release), { recursive: true });
      writeFileSync(join(root, 'usr/lib/modules', release, 'pkgbase'), `${pkgbase}\n`);
    }
    mkdirSync(join(root, 'usr/lib/modules/extramodules-6.12-ARCH'), { recursive: true });
    const releases = kernelReleasesFromSystem(root);
    expect(releases.map((r) => [r.release, r.pkgbase])).toEqual([
      ['6.12.1-1-ARCH', 'linux'],
      ['6.6.60-1-lts', 'linux-lts'],
      ['extramodules-6.12-ARCH', undefined],
    ]);
    expect(kernelReleaseForPkgbase('linux-lts', root)).toBe('6.6.60-1-lts');
  });

  it('falls back to the mkinitcpio preset: ALL_kver as a release or as an image path', () => {
    const root = join(temp(), 'preset');
    mkdirSync(join(root, 'etc/mkinitcpio.d'), { recursive: true });
    mkdirSync(join(root, 'boot'), { recursive: true });
    writeFileSync(join(root, 'etc/mkinitcpio.d/linux-armv7.preset'), "PRESETS=('default')\nALL_kver='6.2.10-1-ARCH'\n");
    writeFileSync(join(root, 'etc/mkinitcpio.d/linux-aarch64.preset'), 'ALL_kver="/boot/Image"\nPRESETS=(default)\n');
    writeFileSync(join(root, 'boot/Image'), arm64Image('6.12.1-1-aarch64-ARCH'));
    expect(kernelReleaseForPkgbase('linux-armv7', root)).toBe('6.2.10-1-ARCH');
    expect(kernelReleaseForPkgbase('linux-aarch64', root)).toBe('6.12.1-1-aarch64-ARCH');
    expect(kernelReleaseForPkgbase('linux-nope', root)).toBeUndefined();
  });
});
