/**
 * `initkit initramfs edit`: reproducible output (SOURCE_DATE_EPOCH and --mtime give the entries'
 * mtime, so two identical runs give identical bytes) and a word when a full rewrite cannot keep the
 * original compression.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';

const fixture = (name: string) => join(repoRoot, 'fixtures/initramfs', name);

/** One entry of `initramfs ls --json`. */
function entry(initrd: string, name: string): { name: string; mtime: number } | undefined {
  const listed = JSON.parse(initkit(['initramfs', 'ls', '--json', initrd]).stdout) as { name: string; mtime: number }[];
  return listed.find((item) => item.name === name);
}

describe('initkit initramfs edit', () => {
  const temp = useTempDir('initkit-cli-edit-');

  for (const mode of ['append', 'full']) {
    it(`${mode}: two runs with SOURCE_DATE_EPOCH give the same bytes, entries dated from it`, () => {
      const host = join(temp(), 'motd');
      writeFileSync(host, 'hello\n');
      const outputs = [1, 2].map((run) => {
        const output = join(temp(), `${mode}-${run}.img`);
        const result = initkit(
          [
            'initramfs',
            'edit',
            fixture('early-gzip.img'),
            '-o',
            output,
            '--mode',
            mode,
            '-q',
            '--add',
            `${host}:/etc/motd`,
          ],
          { env: { SOURCE_DATE_EPOCH: '1234567890' } },
        );
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        return readFileSync(output);
      });
      expect(Buffer.compare(outputs[0]!, outputs[1]!)).toBe(0);
      expect(entry(join(temp(), `${mode}-1.img`), 'etc/motd')?.mtime).toBe(1234567890);
    });
  }

  it('--mtime wins over SOURCE_DATE_EPOCH; a bad value is a usage error', () => {
    const host = join(temp(), 'motd2');
    writeFileSync(host, 'x\n');
    const output = join(temp(), 'mtime.img');
    const args = ['initramfs', 'edit', fixture('early-gzip.img'), '-o', output, '-q', '--add', `${host}:/etc/motd`];
    expect(initkit([...args, '--mtime', '42'], { env: { SOURCE_DATE_EPOCH: '1234567890' } }).status).toBe(0);
    expect(entry(output, 'etc/motd')?.mtime).toBe(42);
    const bad = initkit([...args, '--mtime', 'yesterday']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('invalid --mtime yesterday');
  });

  it('a full rewrite of a zstd initrd says it became gzip (initkit cannot encode zstd)', () => {
    const host = join(temp(), 'motd3');
    writeFileSync(host, 'x\n');
    const output = join(temp(), 'zstd-full.img');
    const result = initkit([
      'initramfs',
      'edit',
      fixture('early-zstd.img'),
      '-o',
      output,
      '--mode',
      'full',
      '-q',
      '--add',
      `${host}:/etc/motd`,
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('is zstd, which initkit cannot encode: the rewritten member is gzip');
    const kept = initkit([
      'initramfs',
      'edit',
      fixture('early-xz.img'),
      '-o',
      join(temp(), 'lz4.img'),
      '--mode',
      'full',
      '-q',
      '--compress',
      'lz4',
      '--add',
      `${host}:/etc/motd`,
    ]);
    expect(kept.stderr).toBe('');
  });
});
