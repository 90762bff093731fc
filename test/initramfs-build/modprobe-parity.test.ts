/**
 * The profiles that cannot be booted here (EC2 Xen, GCE, Azure) and the ones that are: each resolved
 * chain equals what kmod's `modprobe --show-depends` (soft dependencies included) lists for the same
 * profile modules on the same tree (Debian's cloud kernel after depmod; -C an empty configuration so
 * the machine's modprobe.d does not count), and `check` passes on the initrd built from it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveProfiles } from '@initkit/initramfs';
import { buildInitrd, checkInitrdFile, loadProfile } from '@initkit/initramfs/node';
import type { ModuleDatabase } from '@initkit/kmod';
import { loadModuleDatabase } from '@initkit/kmod/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianCloudKernel } from '../harness/debian-cloud-kernel.js';
import { run } from '../harness/run.js';
import { hasTools } from '../harness/tools.js';

const PROFILES = ['ec2-xen', 'gce', 'azure', 'virtio', 'ec2-nitro', 'ext4', 'xfs', 'btrfs'];

describe.runIf(hasTools('modprobe'))('profile chains against modprobe --show-depends (Debian cloud kernel)', () => {
  const kernel = debianCloudKernel();
  const work = mkdtempSync(join(tmpdir(), 'initkit-parity-'));
  const emptyConfig = join(work, 'modprobe.d');
  let database: ModuleDatabase;
  beforeAll(async () => {
    mkdirSync(emptyConfig);
    database = await loadModuleDatabase(kernel.modulesDir);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** modprobe's lines for each module in order, each module once (what a boot loads). */
  function modprobeChain(names: readonly string[]): { lines: string[]; missing: string[] } {
    const seen = new Set<string>();
    const lines: string[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const result = run('modprobe', [
        '-C',
        emptyConfig,
        '-d',
        kernel.root,
        '-S',
        kernel.release,
        '--show-depends',
        name,
      ]);
      if (result.status !== 0) {
        expect(result.stderr).toContain('not found');
        missing.push(name);
        continue;
      }
      for (const line of result.stdout.split('\n').filter(Boolean)) {
        const key = line.trim();
        if (seen.has(key)) continue;
        seen.add(key);
        lines.push(key);
      }
    }
    return { lines, missing };
  }

  for (const name of PROFILES) {
    it(`${name}: the resolved chain is modprobe's`, () => {
      const profile = loadProfile(name);
      const chain = resolveProfiles(database, [profile]);
      const expected = modprobeChain(profile.modules.map((module) => module.name));
      const ours = chain.modules.map((module) =>
        module.kind === 'insmod' ? `insmod ${kernel.modulesDir}/${module.path}` : `builtin ${module.name}`,
      );
      expect(ours).toEqual(expected.lines);
      expect(chain.skipped.map((module) => module.name)).toEqual(expected.missing);
      for (const module of chain.modules) expect(module.reason).not.toBe('');
    });
  }

  for (const name of ['ec2-xen', 'gce', 'azure']) {
    it(`${name}: the built initrd passes check against the kernel image`, async () => {
      const built = await buildInitrd({ modules: kernel.modulesDir, profiles: [name] });
      const image = join(work, `${name}.img`);
      writeFileSync(image, built.bytes);
      const report = await checkInitrdFile(image, {
        kernel: kernel.vmlinuz,
        modules: kernel.modulesDir,
        profiles: [name, 'ext4'],
      });
      expect(report.release).toBe(kernel.release);
      expect(report.results.map((result) => result.name)).toEqual([
        'init',
        'applets',
        'vermagic',
        'dependencies',
        'profile chain',
        'compression',
      ]);
      expect(report.results.filter((result) => !result.ok)).toEqual([]);
    }, 60_000);
  }
});
