/**
 * `pnpm demo` (the README's first Quickstart command) runs the built demo: three runs of
 * `archkernel-load run --dry-run` on the simulated C1, each step printed. This runs the same file and
 * checks the steps it shows: a first boot that fetches, builds and plans the kexec, a cache hit, and the
 * kill switch's refusal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/harness/run.js';

const demo = join(repoRoot, 'apps/archkernel/dist/demo.js');

describe('pnpm demo', () => {
  it('shows the first boot, the cache hit and the kill switch, and exits 0', { timeout: 300_000 }, () => {
    expect(existsSync(demo), 'archkernel-load is not built (pnpm build)').toBe(true);
    const result = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 280_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const [first, second, third] = result.stdout.split(/^\d\. /m).slice(1);
    for (const step of [
      'boot server: 127.0.0.1 (from /proc/net/pnp)',
      'boot script: uboot.bootscript (629 bytes, "Scaleway bootscript", CRCs ok)',
      'initrd initrd/uInitrd-Linux-armv7l-v3.11.1',
      'cache: miss: no cache record',
      'modules: libphy, phylink, mvneta, nbd',
      'provider initrd: uImage "initramfs", data CRC ok',
      'read back equal',
      'exitrd: /run/initramfs/shutdown runs kexec -e',
      'kexec_load (arm): zImage',
      'segment[0] kernel mem 0x00008000',
      'archkernel"',
      'dry run: skipping kexec-load',
    ]) {
      expect(first).toContain(step);
    }
    expect(second).toMatch(/cache: hit: built .* from the same script, kernel and modules/);
    expect(second).not.toContain('provider initrd:');
    expect(third).toContain(
      'kill switch: the server is tagged "archkernel_disabled"; the provider kernel keeps running',
    );
    expect(third).not.toContain('boot script:');
    expect(result.stdout).toContain('Demo done');
  });
});
