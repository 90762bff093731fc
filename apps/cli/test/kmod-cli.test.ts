/**
 * `initkit kmod` with modprobe's and modinfo's vocabulary, against them on the Debian 12 amd64 tree:
 * deps -d/-S (the earlier -b/-k kept), -a for several modules, the only release chosen without -S;
 * info NAME resolved as `modinfo -b -k` does; and `initramfs edit --kver/--root` with its summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { initkit, repoRoot, run, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

// Each test runs the CLI several times: generous for a loaded machine (no timing is asserted).
describe.runIf(hasTools('depmod', 'modinfo', 'modprobe', 'cp'))(
  'initkit kmod (modprobe and modinfo flags)',
  { timeout: 120_000 },
  () => {
    const temp = useTempDir('initkit-cli-kmod-flags-');
    let kernel: DebianKernel;
    let base: string;
    let emptyConfig: string;

    beforeAll(async () => {
      kernel = await debianKernel('amd64');
      base = join(temp(), 'native');
      mkdirSync(join(base, 'lib', 'modules'), { recursive: true });
      runOk('cp', ['-al', kernel.modulesDir, join(base, 'lib', 'modules', kernel.release)]);
      runOk('depmod', ['-b', base, kernel.release]);
      // An empty modprobe.d: the oracle must not read the host's /etc/modprobe.d.
      emptyConfig = join(base, 'modprobe.d');
      mkdirSync(emptyConfig);
    });

    const modprobe = (...args: string[]) =>
      runOk('modprobe', ['-C', emptyConfig, '-d', base, '-S', kernel.release, ...args]).stdout;

    it('deps -d/-S and the earlier -b/-k print the same; -S may be left out when the tree holds one release', () => {
      const wanted = modprobe('--show-depends', 'virtio_net');
      expect(
        initkit(['kmod', 'deps', '-C', emptyConfig, '-d', base, '-S', kernel.release, '--show-depends', 'virtio_net'])
          .stdout,
      ).toBe(wanted);
      expect(
        initkit([
          'kmod',
          'deps',
          '-C',
          emptyConfig,
          '--dirname',
          base,
          '--set-version',
          kernel.release,
          '--show-depends',
          'virtio_net',
        ]).stdout,
      ).toBe(wanted);
      expect(
        initkit(['kmod', 'deps', '-C', emptyConfig, '-b', base, '-k', kernel.release, '--show-depends', 'virtio_net'])
          .stdout,
      ).toBe(wanted);
      expect(initkit(['kmod', 'deps', '-C', emptyConfig, '-d', base, '--show-depends', 'virtio_net']).stdout).toBe(
        wanted,
      );
    });

    it('deps -a --show-depends prints each module in turn as modprobe -a does; without -a several are a usage error', () => {
      const wanted = modprobe('-a', '--show-depends', 'nbd', 'crc32c');
      const ours = initkit(['kmod', 'deps', '-C', emptyConfig, '-d', base, '-a', '--show-depends', 'nbd', 'crc32c']);
      expect(ours.status, ours.stderr).toBe(0);
      expect(ours.stdout).toBe(wanted);
      const refused = initkit(['kmod', 'deps', '-C', emptyConfig, '-d', base, '--show-depends', 'nbd', 'crc32c']);
      expect(refused.status).toBe(2);
    });

    it('info NAME resolves the name (or alias) in the tree as modinfo -b -k does', () => {
      for (const name of ['nbd', 'virtio-net']) {
        const wanted = runOk('modinfo', ['-b', base, '-k', kernel.release, name]).stdout;
        expect(initkit(['kmod', 'info', '-b', base, '-k', kernel.release, name]).stdout).toBe(wanted);
        expect(initkit(['kmod', 'info', '-b', base, name]).stdout).toBe(wanted);
      }
      const field = runOk('modinfo', ['-b', base, '-k', kernel.release, '-F', 'depends', 'virtio_net']).stdout;
      expect(initkit(['kmod', 'info', '-b', base, '-F', 'depends', 'virtio_net']).stdout).toBe(field);
      const missing = initkit(['kmod', 'info', '-b', base, 'no_such_module']);
      expect(missing.status).toBe(1);
      expect(run('modinfo', ['-b', base, '-k', kernel.release, 'no_such_module']).status).toBe(1);
      expect(missing.stderr).toMatch(/^initkit: module no_such_module not found in .* \[KMOD_MODULE_NOT_FOUND\]\n$/);
    });

    it('initramfs edit takes a root plus release (--root, --kver); its summary says "1 module" and that it computed modules.dep', () => {
      const host = join(temp(), 'motd');
      writeFileSync(host, 'x\n');
      const initrd = join(repoRoot, 'fixtures/initramfs/early-gzip.img');
      const output = join(temp(), 'with-nbd.img');
      // kernel.root's tree has no modules.dep: edit computes one (and says so).
      const edited = initkit([
        'initramfs',
        'edit',
        initrd,
        '-o',
        output,
        '--root',
        kernel.root,
        '--kver',
        kernel.release,
        '--add-module',
        'nbd',
      ]);
      expect(edited.status, edited.stderr).toBe(0);
      expect(edited.stderr).toMatch(/, 1 module\)/);
      expect(edited.stderr).toMatch(/the module tree had no modules\.dep: computed one in \d+ ms/);
      const listed = initkit(['initramfs', 'list', output]).stdout.split('\n');
      // (the fixture's /lib is a symlink to usr/lib, so the module lands under usr/lib/modules)
      expect(
        listed.filter((path) => path.endsWith(`lib/modules/${kernel.release}/kernel/drivers/block/nbd.ko`)),
      ).toHaveLength(1);
      // With modules.dep present there is nothing to compute; two modules are plural.
      const two = initkit([
        'initramfs',
        'edit',
        initrd,
        '-o',
        join(temp(), 'two.img'),
        '--root',
        base,
        '--kver',
        kernel.release,
        '--add-module',
        'nbd',
        '--add-module',
        'loop',
      ]);
      expect(two.status, two.stderr).toBe(0);
      expect(two.stderr).toMatch(/, 2 modules\)/);
      expect(two.stderr).not.toContain('modules.dep');
      expect(
        initkit(['initramfs', 'edit', initrd, '-o', join(temp(), 'x.img'), '--root', base, '--add-module', 'nbd'])
          .status,
      ).toBe(2);
    });
  },
);
