/**
 * The kexec step's plan for each kernel kind the PKGBUILD's architectures boot: an arm64 Image.gz is
 * decoded with the gzip decoder loaded on demand (@initkit/kexec leaves it out of a zImage's load path),
 * and a file that is no kernel is one clear error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGzip } from '@initkit/compress';
import { afterEach, describe, expect, it } from 'vitest';
import { planKexecLoad } from '../src/kexec-step.js';
import { systemPaths } from '../src/paths.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function rootWith(kernel: Uint8Array): string {
  const root = mkdtempSync(join(tmpdir(), 'archkernel-kexec-step-'));
  roots.push(root);
  mkdirSync(join(root, 'boot'));
  writeFileSync(join(root, 'boot/kernel'), kernel);
  writeFileSync(join(root, 'boot/initrd'), new Uint8Array(4096).fill(7));
  return root;
}

/** The smallest arm64 Image the probe accepts: the "ARM\x64" magic at 0x38 of its 64-byte header. */
function arm64Image(): Uint8Array {
  const image = new Uint8Array(0x1000);
  image.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  return image;
}

const input = {
  kernel: '/boot/kernel',
  initrd: '/boot/initrd',
  dtb: '/sys/firmware/fdt',
  cmdline: 'root=/dev/nbd0 archkernel',
};

describe('planKexecLoad', () => {
  it('plans an arm64 Image.gz (the gzip decoder loaded for it) as an uncompressed Image does', async () => {
    const gz = await planKexecLoad(systemPaths(rootWith(encodeGzip(arm64Image()))), input);
    expect(gz.plan.arch).toBe('arm64');
    expect(gz.plan.kernelKind).toBe('gzip+arm64-Image');
    const raw = await planKexecLoad(systemPaths(rootWith(arm64Image())), input);
    expect(raw.plan.kernelKind).toBe('arm64-Image');
  });

  it('plans the initrd bytes it is handed (just written) instead of reading the file again', async () => {
    const root = rootWith(arm64Image());
    rmSync(join(root, 'boot/initrd'));
    const held = new Uint8Array(8192).fill(9);
    const planned = await planKexecLoad(systemPaths(root), input, held);
    expect(planned.summary.initrd.size).toBe(8192);
    await expect(planKexecLoad(systemPaths(root), input)).rejects.toThrow(/cannot read the patched initrd/);
  });

  it('refuses a file that is no kernel, naming it', async () => {
    await expect(planKexecLoad(systemPaths(rootWith(new TextEncoder().encode('not a kernel'))), input)).rejects.toThrow(
      /\/boot\/kernel is not a kernel image kexec can load/,
    );
  });
});
