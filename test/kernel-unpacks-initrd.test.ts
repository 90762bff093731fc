/**
 * Linux itself is the oracle for our encoders: a tiny initramfs (static busybox as /bin/busybox, an /init
 * script that prints a marker with the format's name and powers off), written by @initkit/cpio and
 * compressed by each @initkit/compress encoder (gzip, lzma, legacy lz4, none), boots the Debian 12 amd64
 * kernel in QEMU (TCG). The marker on the serial console means the kernel found our compressed archive,
 * decompressed it and ran /init from it. That kernel is built with CONFIG_RD_GZIP, CONFIG_RD_LZMA and
 * CONFIG_RD_LZ4 (checked below in its config-<release> file, so a kernel without them fails loudly rather
 * than "passing" on its built-in initramfs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CompressionFormat, encode } from '@initkit/compress';
import { deviceEntry, directoryEntry, fileEntry, symlinkEntry, writeCpio } from '@initkit/cpio';
import { concatParts, parseInitrd, planEdit, writeInitrd } from '@initkit/initramfs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianKernel, debianKernel } from './harness/debian-kernels.js';
import { bootX86, hasQemuX86, limitConcurrency } from './harness/qemu-x86.js';
import { useTempDir } from './harness/temp.js';

const BUSYBOX = '/bin/busybox';
const MARKER = 'INITKIT-INITRD-OK';

/** Our encoders and the kernel option each one needs. */
const FORMATS: Array<{ format: CompressionFormat; config: string | undefined }> = [
  { format: 'gzip', config: 'CONFIG_RD_GZIP' },
  { format: 'lzma', config: 'CONFIG_RD_LZMA' },
  { format: 'lz4', config: 'CONFIG_RD_LZ4' },
  { format: 'none', config: undefined },
];

function initramfs(format: string): Uint8Array {
  const script = ['#!/bin/sh', `/bin/busybox echo "${MARKER} format=${format}"`, '/bin/busybox poweroff -f', ''].join(
    '\n',
  );
  return writeCpio([
    directoryEntry('bin'),
    directoryEntry('dev'),
    deviceEntry('dev/console', 'char', 5, 1),
    fileEntry('bin/busybox', new Uint8Array(readFileSync(BUSYBOX)), 0o755),
    symlinkEntry('bin/sh', 'busybox'),
    fileEntry('init', script, 0o755),
  ]);
}

describe.runIf(hasQemuX86() && existsSync(BUSYBOX))('the Linux kernel unpacks an initrd we compress', () => {
  const temp = useTempDir('initkit-kernel-initrd-');
  let kernel: DebianKernel;
  let kernelConfig: string;
  // Two QEMUs at a time at most: TCG is one busy thread per guest.
  const gate = limitConcurrency(2);

  beforeAll(async () => {
    kernel = await debianKernel('amd64');
    kernelConfig = readFileSync(join(kernel.root, 'boot', `config-${kernel.release}`), 'utf8');
  });

  for (const { format, config } of FORMATS) {
    it.concurrent(`${format}: the kernel decompresses it and runs /init from it`, async () => {
      if (config) expect(kernelConfig).toMatch(new RegExp(`^${config}=y$`, 'm'));
      const initrd = encode(format, initramfs(format), format === 'lzma' ? { level: 1 } : {});
      const path = join(temp(), `initrd.${format}`);
      writeFileSync(path, initrd);
      const boot = await gate(() =>
        bootX86({ kernel: kernel.vmlinuz, initrd: path, until: `${MARKER} format=${format}`, timeoutMs: 80_000 }),
      );
      const tail = boot.log.slice(-3000);
      expect(boot.log, tail).not.toMatch(/Initramfs unpacking failed|junk in compressed archive/);
      expect(boot.log, tail).toContain(`${MARKER} format=${format}`);
    }, 90_000);
  }

  it.concurrent('gzip + an appended gzip member right after it (the append layout): the kernel runs the new /init', async () => {
    const source = parseInitrd(encode('gzip', initramfs('original')));
    const script = `#!/bin/sh\n/bin/busybox echo "${MARKER} format=appended"\n/bin/busybox poweroff -f\n`;
    const plan = planEdit(source.tree, { mtime: 1, add: [{ path: '/init', data: script, mode: 0o755 }] });
    const written = writeInitrd(source, plan, { mode: 'append' });
    const bytes = concatParts(written.parts, source);
    // Nothing between the two members: gzip -t and lsinitramfs read the result too (append-layout.test.ts).
    expect(bytes.length).toBe(source.size + written.memberLength);
    const path = join(temp(), 'initrd.appended');
    writeFileSync(path, bytes);
    const boot = await gate(() =>
      bootX86({ kernel: kernel.vmlinuz, initrd: path, until: `${MARKER} format=`, timeoutMs: 80_000 }),
    );
    const tail = boot.log.slice(-3000);
    expect(boot.log, tail).not.toMatch(/Initramfs unpacking failed|junk in compressed archive/);
    expect(boot.log, tail).toContain(`${MARKER} format=appended`);
  }, 90_000);
});
