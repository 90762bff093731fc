import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

const scripts = join(repoRoot, 'fixtures/bootscript/scripts');
const images = join(repoRoot, 'fixtures/bootscript/images');

describe('initkit bootscript', () => {
  const temp = useTempDir('initkit-cli-bootscript-');

  describe.runIf(hasTools('mkimage'))('compile', () => {
    it('writes what mkimage -A arm -O linux -T script -C none -n writes (SOURCE_DATE_EPOCH honoured)', () => {
      const env = { SOURCE_DATE_EPOCH: '1234567890' };
      const ours = join(temp(), 'ours.scr');
      const theirs = join(temp(), 'theirs.scr');
      const text = join(scripts, 'armbian.txt');
      const result = initkit(['bootscript', 'compile', '-n', 'armbian boot', '-o', ours, text], { env });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      runOk(
        'mkimage',
        ['-A', 'arm', '-O', 'linux', '-T', 'script', '-C', 'none', '-n', 'armbian boot', '-d', text, theirs],
        { env },
      );
      expect(readFileSync(ours)).toEqual(readFileSync(theirs));
    });
  });

  it('refuses text with a syntax error (exit 1, line and column)', () => {
    const bad = join(temp(), 'bad.txt');
    writeFileSync(bad, 'if true; then echo x\n');
    const result = initkit(['bootscript', 'compile', '-o', join(temp(), 'bad.scr'), bad]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('line 1, column 10');
    expect(result.stderr).toContain('[BOOTSCRIPT_SYNTAX]');
  });

  it('decompiles an image to its exact text', () => {
    const result = initkit(['bootscript', 'decompile', join(images, 'scaleway.scr')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(scripts, 'scaleway.txt'), 'utf8'));
  });

  it('plans an image or text as JSON with the fields the app reads', () => {
    for (const input of [join(images, 'scaleway.scr'), join(scripts, 'scaleway.txt')]) {
      const result = initkit(['bootscript', 'plan', input, '--env', 'fdt_addr_r=0x43000000', '--json']);
      expect(result.status).toBe(0);
      const plan = JSON.parse(result.stdout);
      expect(plan.bootargs).toContain('root=/dev/nbd0');
      expect(plan.loads.map((load: { file: string }) => load.file)).toEqual([
        'kernel/armv7l-4.5.7-std-1',
        'initrd/uInitrd-Linux-armv7l-v3.12',
        'dtb/scaleway-c1.dtb',
      ]);
      expect(plan.boot).toMatchObject({
        command: 'bootm',
        initrd: { address: '0x44000000', file: 'initrd/uInitrd-Linux-armv7l-v3.12' },
        fdt: { address: '0x43000000', file: 'dtb/scaleway-c1.dtb' },
      });
      expect(Array.isArray(plan.warnings)).toBe(true);
      expect(typeof plan.env).toBe('object');
    }
  });

  it('prints a readable plan and rejects a malformed --env (exit 2)', () => {
    const text = initkit(['bootscript', 'plan', join(scripts, 'distro.txt')]);
    expect(text.stdout).toContain('boot: bootz');
    expect(text.stdout).toContain('initrd: 0x44000000');
    const bad = initkit(['bootscript', 'plan', join(scripts, 'distro.txt'), '--env', 'novalue']);
    expect(bad.status).toBe(2);
  });
});
