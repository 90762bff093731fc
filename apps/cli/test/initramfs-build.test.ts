/**
 * `initkit initramfs build` and `check` as whole processes on Debian's cloud kernel: reproducible
 * bytes across directories, times, umasks and file orders; --print, --manifest (checked against the
 * image's own files), --add-binary (checked against ldd), the ELF machine check, a missing module, and
 * `check` passing and failing with its exit codes.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { debianCloudKernel } from '../../../test/harness/debian-cloud-kernel.js';
import { cachedDebianKernel } from '../../../test/harness/debian-kernels.js';
import { cliPath, initkit, run, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.runIf(hasTools('depmod', 'ldd', 'busybox'))('initkit initramfs build and check', () => {
  const temp = useTempDir('initkit-cli-build-');
  const kernel = debianCloudKernel();
  const virtioModules = [
    'kernel/drivers/virtio/virtio_ring.ko',
    'kernel/drivers/virtio/virtio.ko',
    'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
    'kernel/drivers/virtio/virtio_pci_legacy_dev.ko',
    'kernel/drivers/virtio/virtio_pci.ko',
    'kernel/drivers/block/virtio_blk.ko',
    'kernel/drivers/scsi/scsi_common.ko',
    'kernel/drivers/scsi/scsi_mod.ko',
    'kernel/drivers/scsi/virtio_scsi.ko',
    'kernel/drivers/scsi/sd_mod.ko',
    'kernel/net/core/failover.ko',
    'kernel/drivers/net/net_failover.ko',
    'kernel/drivers/net/virtio_net.ko',
    'kernel/drivers/virtio/virtio_mmio.ko',
    'kernel/drivers/char/virtio_console.ko',
  ];
  const trees: string[] = [];

  /** A small tree of the virtio modules, files created in `order`, with mtimes from `time`; depmod'ed. */
  function smallTree(name: string, order: readonly string[], time: number): string {
    const root = join(temp(), name);
    const directory = join(root, 'lib', 'modules', kernel.release);
    for (const path of order) {
      mkdirSync(dirname(join(directory, path)), { recursive: true });
      copyFileSync(join(kernel.modulesDir, path), join(directory, path));
      utimesSync(join(directory, path), time, time);
    }
    for (const file of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order'])
      copyFileSync(join(kernel.modulesDir, file), join(directory, file));
    mkdirSync(join(root, 'boot'));
    copyFileSync(kernel.config, join(root, 'boot', `config-${kernel.release}`));
    runOk('depmod', ['-b', root, kernel.release]);
    return directory;
  }

  /** `initkit initramfs build -o OUTPUT --modules <the first tree>` with `extra` arguments. */
  const build = (output: string, extra: string[], options?: Parameters<typeof initkit>[1]) =>
    initkit(['initramfs', 'build', '-o', output, '--modules', trees[0]!, ...extra], options);

  beforeAll(() => {
    trees.push(smallTree('a', virtioModules, 1_000_000_000));
    trees.push(smallTree('b', [...virtioModules].reverse(), 1_600_000_000));
  });

  it('two builds in different directories, times, umasks and file orders give identical bytes', () => {
    const outputs = [join(temp(), 'a.img'), join(temp(), 'b.img')];
    const cwd = [trees[0]!, temp()];
    for (const [index, umask] of ['022', '077'].entries()) {
      const built = run(
        'sh',
        [
          '-c',
          `umask ${umask}; cd "$1" && shift && exec "$@"`,
          'sh',
          cwd[index]!,
          process.execPath,
          cliPath,
          'initramfs',
          'build',
          '-q',
          '-o',
          outputs[index]!,
          '--modules',
          trees[index]!,
          '--profile',
          'virtio',
        ],
        { env: { SOURCE_DATE_EPOCH: '' } },
      );
      expect(built.stderr).toBe('');
      expect(built.status).toBe(0);
    }
    const [a, b] = outputs.map((path) => readFileSync(path));
    expect(a!.length).toBeGreaterThan(100_000);
    expect(sha256(a!)).toBe(sha256(b!));
    const listing = initkit(['initramfs', 'ls', '-v', '-n', outputs[0]!]).stdout;
    // Every entry owned by 0 0 and dated the epoch (SOURCE_DATE_EPOCH unset).
    expect(
      listing
        .split('\n')
        .filter(Boolean)
        .every((line) => / 0 +0 /.test(line) && /1970/.test(line)),
    ).toBe(true);
  });

  it('SOURCE_DATE_EPOCH sets every mtime and so changes the bytes', () => {
    const output = join(temp(), 'epoch.img');
    const result = build(output, ['-q', '--profile', 'virtio'], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(result.status).toBe(0);
    const listing = initkit(['initramfs', 'ls', '-v', '-n', output]).stdout;
    expect(listing.split('\n').length).toBeGreaterThan(30);
    expect(
      listing
        .split('\n')
        .filter((line) => line !== '' && !line.endsWith(' .'))
        .every((line) => /2023/.test(line)),
    ).toBe(true);
  });

  it('--print shows each module with the reason it is there', () => {
    const result = initkit(['initramfs', 'build', '--print', '--modules', trees[0]!, '--profile', 'virtio']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'insmod  kernel/drivers/block/virtio_blk.ko  # virtio-blk disks (/dev/vda), the usual root disk [virtio]',
    );
    expect(result.stdout).toContain('insmod  kernel/drivers/net/net_failover.ko  # dependency of virtio_net [virtio]');
    expect(result.stdout).toContain('builtin ext4  #');
  });

  it('--manifest lists every path with its source, size, sha256 and why, matching the image', () => {
    const output = join(temp(), 'manifest.img');
    const manifestPath = join(temp(), 'manifest.json');
    const result = build(output, ['-q', '--manifest', manifestPath, '--profile', 'virtio']);
    expect(result.status).toBe(0);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.imageSha256).toBe(sha256(readFileSync(output)));
    const init = manifest.entries.find((entry: { path: string }) => entry.path === '/init');
    const initBytes = initkit(['initramfs', 'cat', output, 'init']).stdoutBytes;
    expect(init).toMatchObject({
      type: 'file',
      mode: '0755',
      size: initBytes.length,
      sha256: sha256(initBytes),
      source: 'generated',
    });
    const blk = manifest.entries.find((entry: { path: string }) => entry.path.endsWith('/virtio_blk.ko'));
    expect(blk).toMatchObject({
      source: 'kernel/drivers/block/virtio_blk.ko',
      why: 'virtio-blk disks (/dev/vda), the usual root disk',
    });
    expect(blk.sha256).toBe(sha256(readFileSync(join(trees[0]!, 'kernel/drivers/block/virtio_blk.ko'))));
    expect(manifest.builtin).toEqual([{ name: 'ext4', why: expect.stringContaining('ext4') }]);
  });

  it('--add-binary copies the program with the libraries ldd names and its interpreter', () => {
    const output = join(temp(), 'binary.img');
    const result = build(output, ['-q', '--profile', 'virtio', '--add-binary', '/usr/sbin/nbd-client']);
    expect(result.status).toBe(0);
    const listing = new Set(initkit(['initramfs', 'ls', output]).stdout.split('\n'));
    expect(listing.has('usr/sbin/nbd-client')).toBe(true);
    const libraries = runOk('ldd', ['/usr/sbin/nbd-client'])
      .stdout.split('\n')
      .flatMap((line) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1] ?? []);
    expect(libraries.length).toBeGreaterThan(1);
    for (const library of libraries) {
      const name = library.split('/').pop()!;
      expect(
        [...listing].some((path) => path.endsWith(`/${name}`)),
        `${library} in the image`,
      ).toBe(true);
    }
  });

  it('a binary or module for another machine is a build error', () => {
    const armhf = cachedDebianKernel('armhf');
    if (!armhf) throw new Error('the armhf Debian kernel is not cached (npx tsx test/fetch-debian-kernels.ts)');
    const armModule = join(armhf.modulesDir, 'kernel/drivers/block/nbd.ko');
    const result = build(join(temp(), 'x.img'), ['--profile', 'virtio', '--add-binary', armModule]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is built for ARM, but the kernel is x86-64 [INITRAMFS_WRONG_MACHINE]');
  });

  it('a module the kernel lacks fails the build with the chain and the nearest names; usage errors exit 2', () => {
    const result = build(join(temp(), 'x.img'), ['--add-module', 'virtio_bkl']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('profile command line: module virtio_bkl (asked for with --add-module)');
    expect(result.stderr).toContain('nearest names: virtio_blk');
    expect(initkit(['initramfs', 'build', '-o', join(temp(), 'x.img')]).status).toBe(2);
    expect(initkit(['initramfs', 'build', '-o', 'x', '--modules', trees[0]!, '--profile', 'no-such']).stderr).toContain(
      'no profile named no-such',
    );
  });

  it('check passes on a built image and fails (exit 1) for another release', () => {
    const output = join(temp(), 'check.img');
    expect(build(output, ['-q', '--profile', 'virtio', '--compress', 'lz4']).status).toBe(0);
    const good = initkit([
      'initramfs',
      'check',
      output,
      '--kernel',
      kernel.vmlinuz,
      '--modules',
      trees[0]!,
      '--profile',
      'virtio',
    ]);
    expect(good.stdout).toContain('ok   init: /init is a script run by /bin/sh');
    expect(good.stdout).toContain('ok   compression: members lz4');
    expect(good.stdout).not.toContain('FAIL');
    expect(good.status).toBe(0);
    const bad = initkit(['initramfs', 'check', output, '--kver', '6.1.0-0-other', '--modules', trees[0]!]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('FAIL vermagic: built for another kernel');
    expect(bad.stderr).toContain('[INITRAMFS_CHECK_FAILED]');
  });
});
