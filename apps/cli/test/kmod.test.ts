/**
 * `initkit kmod` and `initkit kernel` on the Debian 12 kernels, against kmod's depmod, modinfo and
 * modprobe; exit codes and error lines for bad input.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { initkit, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

describe.runIf(hasTools('depmod', 'modinfo', 'modprobe', 'cp'))('initkit kmod and kernel on Debian 12 amd64', () => {
  const temp = useTempDir('initkit-cli-kmod-');
  let kernel: DebianKernel;
  let base: string;
  let nativeDir: string;
  let emptyConfig: string;
  const nbd = () => join(kernel.modulesDir, 'kernel/drivers/block/nbd.ko');

  beforeAll(async () => {
    kernel = await debianKernel('amd64');
    base = join(temp(), 'native');
    mkdirSync(join(base, 'lib', 'modules'), { recursive: true });
    nativeDir = join(base, 'lib', 'modules', kernel.release);
    runOk('cp', ['-al', kernel.modulesDir, nativeDir]);
    runOk('depmod', ['-b', base, kernel.release]);
    emptyConfig = join(base, 'modprobe.d');
    mkdirSync(emptyConfig);
  });

  it('kernel version prints the release; --json the banner and layers', () => {
    const result = initkit(['kernel', 'version', kernel.vmlinuz]);
    expect(result).toMatchObject({ status: 0, stdout: `${kernel.release}\n`, stderr: '' });
    const json = JSON.parse(initkit(['kernel', 'version', '--json', kernel.vmlinuz]).stdout);
    expect(json).toMatchObject({ release: kernel.release, layers: ['bzImage'] });
  });

  it('kmod deps prints the load order, one path a line, on a tree without modules.dep', () => {
    const result = initkit(['kmod', 'deps', '-b', kernel.root, '-k', kernel.release, 'nvme', 'virtio_net']);
    expect(result.status).toBe(0);
    const expected: string[] = [];
    for (const name of ['nvme', 'virtio_net']) {
      const native = runOk('modprobe', [
        '-C',
        emptyConfig,
        '--show-depends',
        '-d',
        base,
        '-S',
        kernel.release,
        name,
      ]).stdout;
      for (const line of native.trim().split('\n')) {
        const path = line
          .replace(/^insmod /, '')
          .trim()
          .replace(nativeDir, kernel.modulesDir);
        if (!expected.includes(path)) expected.push(path);
      }
    }
    expect(result.stdout.trim().split('\n')).toEqual(expected);
  });

  it('kmod deps --show-depends prints what modprobe --show-depends prints', () => {
    const ours = initkit(['kmod', 'deps', '-b', base, '-k', kernel.release, '--show-depends', 'crc32c']);
    const native = runOk('modprobe', ['-C', emptyConfig, '--show-depends', '-d', base, '-S', kernel.release, 'crc32c']);
    expect(ours.stdout).toBe(native.stdout);
    const json = JSON.parse(
      initkit(['kmod', 'deps', '-b', base, '-k', kernel.release, '--json', 'unix', 'nbd']).stdout,
    );
    expect(json).toEqual([
      { kind: 'builtin', name: 'unix' },
      { kind: 'insmod', name: 'nbd', path: join(nativeDir, 'kernel/drivers/block/nbd.ko') },
    ]);
  });

  it('kmod info prints what modinfo prints, and -F one field', () => {
    expect(initkit(['kmod', 'info', nbd()]).stdout).toBe(runOk('modinfo', [nbd()]).stdout);
    for (const field of ['vermagic', 'parm', 'signer']) {
      expect(initkit(['kmod', 'info', '-F', field, nbd()]).stdout).toBe(runOk('modinfo', ['-F', field, nbd()]).stdout);
    }
    const json = JSON.parse(initkit(['kmod', 'info', '--json', nbd()]).stdout);
    expect(json).toMatchObject({ name: 'nbd', signed: true, elf: { class: 64, littleEndian: true, machine: 62 } });
  });

  it('kmod depmod -b writes the files depmod -b writes', () => {
    const ours = join(temp(), 'ours');
    mkdirSync(join(ours, 'lib', 'modules'), { recursive: true });
    runOk('cp', ['-al', kernel.modulesDir, join(ours, 'lib', 'modules', kernel.release)]);
    const result = initkit(['kmod', 'depmod', '-b', ours, kernel.release]);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    for (const name of [
      'modules.dep',
      'modules.dep.bin',
      'modules.alias.bin',
      'modules.softdep',
      'modules.builtin.bin',
    ]) {
      expect(
        readFileSync(join(ours, 'lib', 'modules', kernel.release, name)).equals(readFileSync(join(nativeDir, name))),
        name,
      ).toBe(true);
    }
    // The tree now has modules.dep, so real modprobe can use our output directly.
    const native = runOk('modprobe', [
      '-C',
      emptyConfig,
      '--show-depends',
      '-d',
      ours,
      '-S',
      kernel.release,
      '9pnet_virtio',
    ]);
    expect(native.stdout).toContain('9pnet_virtio.ko');
  });

  it('errors: unknown module, not a module, not a kernel (exit 1, one line), usage (exit 2)', () => {
    const missing = initkit(['kmod', 'deps', '-b', base, '-k', kernel.release, 'virtio_nte']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /^initkit: module virtio_nte not found .*nearest names: .*virtio_net.* \[KMOD_MODULE_NOT_FOUND\]\n$/,
    );
    const text = join(temp(), 'not-a-module.ko');
    writeFileSync(text, 'hello');
    expect(initkit(['kmod', 'info', text])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('[KMOD_NOT_A_MODULE]'),
    });
    expect(initkit(['kernel', 'version', text])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('[KMOD_KERNEL_VERSION_NOT_FOUND]'),
    });
    expect(initkit(['kmod', 'deps']).status).toBe(2);
    expect(initkit(['kmod', 'deps', '-b', base, '-k', kernel.release, '--show-depends', 'a', 'b']).status).toBe(2);
    const noTree = initkit(['kmod', 'deps', '-b', temp(), '-k', '0.0', 'nbd']);
    expect(noTree).toMatchObject({ status: 1, stderr: expect.stringMatching(/^initkit: .*0\.0/) });
  });
});
