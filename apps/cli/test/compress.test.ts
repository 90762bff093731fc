/**
 * `initkit compress` through the built CLI: detect, decode (auto-detected, to a file or stdout),
 * encode, and the exit codes for bad input (1) and bad usage (2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot, run } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

const tempDir = useTempDir();
const fixture = (name: string) => join(repoRoot, 'fixtures/compress', name);
const text = readFileSync(fixture('sample.txt'));

describe('initkit compress', () => {
  it('detect names each format and --json gives the fields', () => {
    const result = initkit(['compress', 'detect', fixture('sample.txt.xz'), fixture('sample.txt.lz4f')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('sample.txt.xz: xz\n');
    expect(result.stdout).toContain('lz4 frame (the kernel only reads legacy lz4) [the kernel does not load this]');
    const json = JSON.parse(initkit(['compress', 'detect', '--json', fixture('sample.txt.zst')]).stdout);
    expect(json).toEqual([
      { file: fixture('sample.txt.zst'), format: 'zstd', kernelSupported: true, description: 'zstd' },
    ]);
  });

  it.each(['gz', 'xz', 'arm.xz', 'lzma', 'zst', 'lz4', 'lz4f', 'lzo', 'bz2'])(
    'decode sample.txt.%s to stdout and to a file',
    (suffix) => {
      const toStdout = initkit(['compress', 'decode', fixture(`sample.txt.${suffix}`)]);
      expect(toStdout.status).toBe(0);
      expect(Buffer.compare(toStdout.stdoutBytes, text)).toBe(0);
      const out = join(tempDir(), `out-${suffix}`);
      expect(initkit(['compress', 'decode', '-o', out, fixture(`sample.txt.${suffix}`)]).status).toBe(0);
      expect(Buffer.compare(readFileSync(out), text)).toBe(0);
    },
  );

  it('a corrupt file exits 1 with one typed line on stderr and leaves no output file', () => {
    const bad = Buffer.from(readFileSync(fixture('sample.txt.gz')));
    bad[bad.length - 6]! ^= 0xff;
    const path = join(tempDir(), 'bad.gz');
    writeFileSync(path, bad);
    const out = join(tempDir(), 'never-written');
    const result = initkit(['compress', 'decode', '-o', out, path]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^initkit: .*\[GZIP_BAD_CHECKSUM\]\n$/);
    expect(() => readFileSync(out)).toThrow();
  });

  it('usage errors exit 2', () => {
    expect(initkit(['compress', 'encode', '-f', 'bzip2', fixture('sample.txt')]).status).toBe(2);
    expect(initkit(['compress', 'encode', '-f', 'gzip', '-l', '11', fixture('sample.txt')]).status).toBe(2);
    expect(initkit(['compress', 'decode', '-F', 'rar', fixture('sample.txt.gz')]).status).toBe(2);
  });

  describe.runIf(hasTools('gzip', 'xz', 'lz4'))('encode, read back by the native tools', () => {
    it.each([
      ['gzip', ['-l', '9'], 'gzip'],
      ['lzma', ['-l', '1'], 'xz --format=lzma'],
      ['lz4', [], 'lz4'],
    ])('%s', (format, extra, tool) => {
      const out = join(tempDir(), `enc.${format}`);
      expect(initkit(['compress', 'encode', '-f', format, ...extra, '-o', out, fixture('sample.txt')]).status).toBe(0);
      const decoded = run('sh', ['-c', `${tool} -dc < "${out}"`]);
      expect(decoded.status).toBe(0);
      expect(Buffer.compare(decoded.stdoutBytes, text)).toBe(0);
    });
  });
});
