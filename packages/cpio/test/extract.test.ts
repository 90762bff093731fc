/**
 * Safe extraction: every archive of the hostile corpus (test/hostile/) is extracted into a target
 * inside a sandbox holding a decoy; nothing outside the target may appear or change. Also checks the
 * report, pre-existing symlinks and hard links in the target, and modes, times and devices.
 */
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { InitkitError } from '@initkit/core';
import { deviceEntry, directoryEntry, fileEntry, writeCpio } from '@initkit/cpio';
import { type ExtractReport, extractCpio } from '@initkit/cpio/node';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { isRoot } from '../../../test/harness/tools.js';
import { describeTree, hostileDir } from './helpers.js';

const ESCAPE_DIR = '/tmp/initkit-hostile-escape';

interface Expectation {
  skipped?: string[];
  inside?: Record<string, string>;
  error?: string;
}

const expectations: Record<string, Expectation> = {
  'dotdot.cpio': { skipped: ['../outside/decoy.txt', 'a/../../outside/new.txt'], inside: { 'ok.txt': 'fine' } },
  'absolute.cpio': { skipped: ['/../outside/decoy.txt'], inside: { 'etc/initkit-absolute': 'inside' } },
  'symlink-parent.cpio': { skipped: ['evil/decoy.txt', 'evil/new.txt'] },
  'symlink-absolute-parent.cpio': { skipped: ['abs/pwned'] },
  'symlink-then-file.cpio': { skipped: [], inside: { victim: 'replaced the symlink' } },
  'directory-swapped-for-symlink.cpio': { skipped: ['d/decoy.txt'] },
  'nested-symlink.cpio': { skipped: ['a/b/c/d'] },
  'hardlink-outside.cpio': { skipped: ['../outside/decoy.txt'], inside: { inside: 'link data' } },
  'hardlink-to-symlinked-path.cpio': { skipped: ['second'] },
  'devices.cpio': { skipped: ['dev/mem', 'dev/sda'] },
  'dot-names.cpio': { skipped: ['..', './../x'] },
  'nul-in-name.cpio': { skipped: [], inside: { ok: 'ok' } },
  'after-trailer.cpio': { skipped: [], inside: { before: 'x' } },
  'absurd-filesize.cpio': { error: 'CPIO_TRUNCATED' },
  'absurd-namesize.cpio': { error: 'CPIO_TOO_LARGE' },
};

function outsideSnapshot(sandbox: string) {
  const tree = describeTree(sandbox, { mtimes: true });
  return Object.fromEntries(Object.entries(tree).filter(([path]) => path !== 'target' && !path.startsWith('target/')));
}

describe('the hostile corpus writes nothing outside the target', () => {
  const temp = useTempDir('initkit-cpio-hostile-');
  const corpus = readdirSync(hostileDir)
    .filter((name) => name.endsWith('.cpio'))
    .sort();

  it('every archive in the corpus has an expectation', () => {
    expect(corpus).toEqual(Object.keys(expectations).sort());
  });

  for (const name of Object.keys(expectations).sort()) {
    it(name, async () => {
      const expectation = expectations[name]!;
      const sandbox = join(temp(), name.replace('.cpio', ''));
      mkdirSync(join(sandbox, 'outside'), { recursive: true });
      writeFileSync(join(sandbox, 'outside', 'decoy.txt'), 'original');
      rmSync(ESCAPE_DIR, { recursive: true, force: true });
      mkdirSync(ESCAPE_DIR);
      const before = outsideSnapshot(sandbox);
      const bytes = new Uint8Array(readFileSync(join(hostileDir, name)));
      let report: ExtractReport | undefined;
      let failure: unknown;
      try {
        report = await extractCpio(bytes, join(sandbox, 'target'));
      } catch (error) {
        failure = error;
      }
      expect(outsideSnapshot(sandbox)).toEqual(before);
      expect(readFileSync(join(sandbox, 'outside', 'decoy.txt'), 'utf8')).toBe('original');
      expect(readdirSync(ESCAPE_DIR)).toEqual([]);
      expect(existsSync(join(temp(), 'x'))).toBe(false);
      if (expectation.error) {
        expect(failure).toBeInstanceOf(InitkitError);
        expect((failure as InitkitError).code).toBe(expectation.error);
        return;
      }
      expect(failure).toBeUndefined();
      expect(report!.skipped.map((skip) => skip.name)).toEqual(expectation.skipped);
      for (const skip of report!.skipped) expect(skip.reason.length).toBeGreaterThan(5);
      for (const [path, content] of Object.entries(expectation.inside ?? {})) {
        expect(readFileSync(join(sandbox, 'target', path), 'utf8')).toBe(content);
      }
    });
  }
});

describe('extraction into a target that already holds traps', () => {
  const temp = useTempDir('initkit-cpio-traps-');

  it('a symlink already in the target is never followed, and a hard link to an outside file is not written through', async () => {
    const sandbox = temp();
    mkdirSync(join(sandbox, 'outside'));
    writeFileSync(join(sandbox, 'outside', 'decoy.txt'), 'original');
    mkdirSync(join(sandbox, 'target'));
    symlinkSync('../outside', join(sandbox, 'target', 'pre'));
    linkSync(join(sandbox, 'outside', 'decoy.txt'), join(sandbox, 'target', 'hardlinked'));
    symlinkSync('../outside/decoy.txt', join(sandbox, 'target', 'filelink'));
    const archive = writeCpio([
      fileEntry('pre/decoy.txt', 'pwned'),
      fileEntry('hardlinked', 'new content'),
      fileEntry('filelink', 'new file'),
    ]);
    const report = await extractCpio(archive, join(sandbox, 'target'));
    expect(report.skipped.map((skip) => [skip.name, skip.reason])).toEqual([
      ['pre/decoy.txt', 'parent pre is a symlink'],
    ]);
    expect(readFileSync(join(sandbox, 'outside', 'decoy.txt'), 'utf8')).toBe('original');
    expect(readFileSync(join(sandbox, 'target', 'hardlinked'), 'utf8')).toBe('new content');
    expect(readFileSync(join(sandbox, 'target', 'filelink'), 'utf8')).toBe('new file');
  });
});

describe('what extraction restores', () => {
  const temp = useTempDir('initkit-cpio-restore-');

  it('modes (set-id bits too), mtimes, read-only directories filled before being closed', async () => {
    const archive = writeCpio([
      directoryEntry('ro', 0o555, { mtime: 1000 }),
      fileEntry('ro/tool', 'x', 0o4755, { mtime: 2000 }),
      fileEntry('plain', 'y', 0o600, { mtime: 3000 }),
    ]);
    const target = join(temp(), 'restore');
    await extractCpio(archive, target);
    const tree = describeTree(target, { mtimes: true });
    expect(tree['ro']).toEqual({ type: 'directory', mode: 0o555 });
    expect(tree['ro/tool']).toEqual({ type: 'file', mode: 0o4755, content: 'x', mtime: 2000 });
    expect(tree['plain']).toEqual({ type: 'file', mode: 0o600, content: 'y', mtime: 3000 });
  });

  it.runIf(isRoot())('device nodes only when asked, as root', async () => {
    const archive = writeCpio([deviceEntry('console', 'char', 5, 1, 0o600), deviceEntry('sda', 'block', 8, 0, 0o660)]);
    const without = await extractCpio(archive, join(temp(), 'no-devices'));
    expect(without.skipped.map((skip) => skip.name)).toEqual(['console', 'sda']);
    const withDevices = await extractCpio(archive, join(temp(), 'devices'), { devices: true });
    expect(withDevices.devices).toBe(2);
    const tree = describeTree(join(temp(), 'devices'));
    expect(tree['console']).toEqual({ type: 'char-device', mode: 0o600, rdev: '5:1' });
    expect(tree['sda']).toEqual({ type: 'block-device', mode: 0o660, rdev: '8:0' });
  });
});

describe('a failed extraction', () => {
  const temp = useTempDir('initkit-cpio-failed-');
  // Two files; the archive is cut inside the second one's data.
  const whole = writeCpio([
    directoryEntry('etc', 0o755),
    fileEntry('etc/first', 'complete\n', 0o644),
    fileEntry('etc/second', 'x'.repeat(4000), 0o644),
  ]);
  const cut = whole.subarray(0, whole.length - 2000);

  it('leaves the entries finished before the failure and no partial file', async () => {
    const target = join(temp(), 'plain');
    await expect(extractCpio(cut, target)).rejects.toMatchObject({ code: 'CPIO_TRUNCATED' });
    expect(readFileSync(join(target, 'etc/first'), 'utf8')).toBe('complete\n');
    expect(existsSync(join(target, 'etc/second'))).toBe(false);
  });

  it('with atomic, leaves nothing (no target, no staging directory); a whole archive lands in place', async () => {
    const target = join(temp(), 'atomic');
    await expect(extractCpio(cut, target, { atomic: true })).rejects.toBeInstanceOf(InitkitError);
    expect(readdirSync(temp())).not.toContain('atomic');
    expect(readdirSync(temp()).filter((name) => name.includes('initkit'))).toEqual([]);
    mkdirSync(target); // an empty target directory is replaced
    const report = await extractCpio(whole, target, { atomic: true });
    expect(report.files).toBe(2);
    expect(readFileSync(join(target, 'etc/second'), 'utf8')).toHaveLength(4000);
    expect(readdirSync(temp()).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});
