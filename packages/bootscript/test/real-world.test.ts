/**
 * Real-world boot scripts (fixtures/bootscript/real-world/, in the shape of Debian flash-kernel's generic
 * script, Armbian's boot.cmd with armbianEnv.txt and Arch Linux ARM's boot.txt) and the commands they
 * need: `test -e`, `env import -t`, `part uuid`, `zboot`, `unzip`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/harness/run.js';
import { evaluate } from '../src/index.js';

const fixture = (name: string) => readFileSync(join(repoRoot, 'fixtures/bootscript/real-world', name), 'utf8');
const distroEnv = { devtype: 'mmc', devnum: '0', distro_bootpart: '1', bootpart: '1', prefix: '/boot/' };
const addresses = { kernel_addr_r: '0x40400000', ramdisk_addr_r: '0x44000000', fdt_addr_r: '0x40000000' };

describe('real-world boot scripts', () => {
  it('flash-kernel generic: boots the versioned kernel, initrd and dtb with quiet and the console', () => {
    const plan = evaluate(fixture('flash-kernel-generic.txt'), {
      env: { ...distroEnv, ...addresses, console: 'ttyAMA0,115200', fdtfile: 'vexpress-v2p-ca9.dtb' },
      files: {
        '/boot/vmlinuz-6.1.0-57-armmp': 5_000_000,
        '/boot/dtbs/6.1.0-57-armmp/vexpress-v2p-ca9.dtb': 14_000,
        '/boot/initrd.img-6.1.0-57-armmp': 0x1234567,
      },
    });
    expect(plan.boot).toMatchObject({
      command: 'bootz',
      kernel: { address: '0x40400000', file: '/boot/vmlinuz-6.1.0-57-armmp' },
      initrd: { address: '0x44000000', file: '/boot/initrd.img-6.1.0-57-armmp', size: '1234567' },
      fdt: { address: '0x40000000', file: '/boot/dtbs/6.1.0-57-armmp/vexpress-v2p-ca9.dtb' },
    });
    // `setenv bootargs quiet ${bootargs}` unquoted: the empty bootargs' leading space is split away.
    expect(plan.bootargs).toBe('quiet console=ttyAMA0,115200');
    expect(plan.output).toContain('Booting Debian 6.1.0-57-armmp from mmc 0:1...');
  });

  it('flash-kernel generic: falls back to the unversioned files when the versioned kernel is missing', () => {
    const plan = evaluate(fixture('flash-kernel-generic.txt'), {
      env: { ...distroEnv, ...addresses },
      files: { '/boot/vmlinuz': 100, '/boot/dtb': 10, '/boot/initrd.img': 0x200 },
    });
    expect(plan.boot?.kernel?.file).toBe('/boot/vmlinuz');
    expect(plan.boot?.initrd).toMatchObject({ file: '/boot/initrd.img', size: '200' });
  });

  it('Armbian: test -e finds armbianEnv.txt, env import -t applies it, part uuid sets partuuid', () => {
    const env = new TextEncoder().encode(fixture('armbianEnv.txt'));
    const plan = evaluate(fixture('armbian-boot.cmd'), {
      env: { ...distroEnv, ...addresses, fdtfile: 'sun8i-h3-orangepi-pc.dtb' },
      files: {
        '/boot/armbianEnv.txt': env,
        '/boot/uInitrd': 1000,
        '/boot/zImage': 2000,
        '/boot/dtb/sun8i-h3-orangepi-pc.dtb': 300,
      },
      partitionUuids: { 'mmc 0:1': '6c9a1f2e-01' },
    });
    expect(plan.env.verbosity).toBe('7');
    expect(plan.env.extraargs).toBe('net.ifnames=0');
    expect(plan.env.docker_optimizations).toBeUndefined();
    expect(plan.env.partuuid).toBe('6c9a1f2e-01');
    expect(plan.bootargs).toBe(
      'root=UUID=4c2b8f5e-6a52-4a4b-8f0e-5d2a1e3c9b71 rootwait rootfstype=ext4 console=ttyS0,115200  loglevel=7 net.ifnames=0',
    );
    expect(plan.boot).toMatchObject({
      command: 'bootz',
      kernel: { file: '/boot/zImage' },
      initrd: { file: '/boot/uInitrd' },
      fdt: { file: '/boot/dtb/sun8i-h3-orangepi-pc.dtb' },
    });
    expect(plan.warnings.filter((warning) => /test -e|env import|part uuid/.test(warning))).toEqual([]);
  });

  it('Armbian without armbianEnv.txt: test -e is false and the defaults stay', () => {
    const plan = evaluate(fixture('armbian-boot.cmd'), {
      env: { ...distroEnv, ...addresses, fdtfile: 'x.dtb' },
      files: { '/boot/uInitrd': 1, '/boot/zImage': 2, '/boot/dtb/x.dtb': 3 },
    });
    expect(plan.env.verbosity).toBe('1');
    expect(plan.loads.map((load) => load.file)).not.toContain('/boot/armbianEnv.txt');
    expect(plan.env.partuuid).toBe('00000000-01');
    expect(plan.warnings).toContainEqual(
      expect.stringMatching(/^line \d+: part uuid mmc 0:1: not in partitionUuids, using the placeholder 00000000-01$/),
    );
  });

  it('Arch Linux ARM: root=PARTUUID from part uuid, initrd with its filesize, or none when it is missing', () => {
    const options = {
      env: { ...distroEnv, ...addresses, fdtfile: 'am335x-boneblack.dtb' },
      partitionUuids: { 'mmc 0:1': 'a1b2c3d4-01' },
    };
    const withInitrd = evaluate(fixture('archlinuxarm-boot.txt'), {
      ...options,
      files: { '/boot/zImage': 1, '/boot/dtbs/am335x-boneblack.dtb': 2, '/boot/initramfs-linux.img': 0xabc },
    });
    expect(withInitrd.bootargs).toBe('console=ttyS0,115200 console=tty0 root=PARTUUID=a1b2c3d4-01 rw rootwait');
    expect(withInitrd.boot?.initrd).toMatchObject({ file: '/boot/initramfs-linux.img', size: 'abc' });
    const without = evaluate(fixture('archlinuxarm-boot.txt'), {
      ...options,
      files: { '/boot/zImage': 1, '/boot/dtbs/am335x-boneblack.dtb': 2 },
    });
    expect(without.boot).toMatchObject({
      command: 'bootz',
      initrd: null,
      fdt: { file: '/boot/dtbs/am335x-boneblack.dtb' },
    });
  });
});

describe('commands real scripts need', () => {
  it('test -e answers from the known files; an unknown file is false with a warning', () => {
    const script = 'if test -e mmc 0:1 /a; then echo a; fi; if test -e mmc 0:1 /b; then echo b; fi';
    expect(evaluate(script, { files: { '/a': 1 } }).output).toEqual(['a']);
    const unknown = evaluate('test -e mmc 0 /c', { files: () => undefined });
    expect(unknown.status).toBe(1);
    expect(unknown.warnings).toEqual(['line 1: test -e mmc 0 /c: unknown file, answered false']);
  });

  it('env import -t: size limit, NUL end, -r, -d, listed variables only (listed but absent: deleted)', () => {
    const text = new TextEncoder().encode('a=1\r\nb=2\r\n#c=3\r\nd\r\n\0e=5\n');
    const run = (command: string, env: Record<string, string> = {}) =>
      evaluate(`tftpboot 0x50000000 env.txt; ${command}`, {
        env: { d: 'x', keep: 'k', ...env },
        files: { 'env.txt': text },
      }).env;
    expect(run('env import -t -r 0x50000000')).toMatchObject({ a: '1', b: '2', keep: 'k' });
    expect(run('env import -t -r 0x50000000').d).toBeUndefined();
    expect(run('env import -t -r 0x50000000').e).toBeUndefined();
    expect(run('env import -t 0x50000000').a).toBe('1\r');
    expect(run('env import -t -r 0x50000000 5')).toMatchObject({ a: '1' });
    expect(run('env import -t -r 0x50000000 5').b).toBeUndefined();
    expect(run('env import -d -t -r 0x50000000').keep).toBeUndefined();
    const listed = run('env import -t -r 0x50000000 - b zz', { zz: 'gone', a: 'old' });
    expect(listed).toMatchObject({ a: 'old', b: '2' });
    expect(listed.zz).toBeUndefined();
  });

  it('zboot boots the kernel and the initrd with its size', () => {
    const plan = evaluate(
      'tftpboot 0x1000000 bzImage; tftpboot 0x4000000 initrd.img; zboot 0x1000000 0 0x4000000 ${filesize}',
      {
        files: { bzImage: 100, 'initrd.img': 0x300 },
      },
    );
    expect(plan.boot).toMatchObject({
      command: 'zboot',
      kernel: { address: '0x1000000', file: 'bzImage' },
      initrd: { address: '0x4000000', file: 'initrd.img', size: '300' },
      fdt: null,
    });
  });

  it('unzip puts the decompressed file at the destination with its size; bad data fails', () => {
    const gz = new Uint8Array(gzipSync(new Uint8Array(5000)));
    const plan = evaluate('tftpboot 0x50000000 Image.gz; unzip 0x50000000 0x40400000; booti 0x40400000 - 0x40000000', {
      files: { 'Image.gz': gz },
    });
    expect(plan.env.filesize).toBe('1388');
    expect(plan.output).toContain('Uncompressed size: 5000 = 0x1388');
    expect(plan.boot?.kernel).toMatchObject({ address: '0x40400000', file: 'Image.gz' });
    const bad = evaluate('tftpboot 0x50000000 x; unzip 0x50000000 0x40400000', {
      files: { x: new Uint8Array(100) },
    });
    expect(bad.status).toBe(1);
    expect(bad.output).toContain('Error: Bad gzipped data');
  });
});
