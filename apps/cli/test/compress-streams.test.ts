/**
 * `initkit compress` as the native tools behave: zstd encoding where the runtime has it (a usage error
 * naming the requirement elsewhere), bytes after the last stream (gzip's warning and exit 2, xz and
 * zstd errors), every member and stream decoded, bombs and real zero-filled data under the limits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot, run } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

const tempDir = useTempDir();
const fixture = (name: string) => join(repoRoot, 'fixtures/compress', name);
const text = readFileSync(fixture('sample.txt'));
const runtimeHasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

function file(name: string, bytes: Uint8Array): string {
  const path = join(tempDir(), name);
  writeFileSync(path, bytes);
  return path;
}

function tool(script: string, input: Uint8Array = new Uint8Array()): Buffer {
  const result = run('sh', ['-c', script], { input });
  if (result.status !== 0) throw new Error(`${script}: ${result.stderr}`);
  return result.stdoutBytes;
}

describe.runIf(hasTools('gzip', 'xz', 'zstd', 'lzop'))('initkit compress, as the native tools', () => {
  it(`zstd encode: ${runtimeHasZstd ? 'through node:zlib, read back by zstd' : 'a usage error naming the runtime it needs'}`, () => {
    const out = join(tempDir(), 'enc.zst');
    const result = initkit(['compress', 'encode', '-f', 'zstd', '-l', '19', '-o', out, fixture('sample.txt')]);
    if (runtimeHasZstd) {
      expect(result.status).toBe(0);
      expect(Buffer.compare(tool(`zstd -dc < "${out}"`), text)).toBe(0);
    } else {
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/Node 22\.15\+/);
    }
  });

  it('gzip: every member, NUL padding ignored, other trailing bytes warn and exit 2 (as gzip -d)', () => {
    const two = Buffer.concat([tool('gzip -c', text), tool('gzip -c', text)]);
    const decoded = initkit(['compress', 'decode', file('two.gz', two)]);
    expect(decoded.status).toBe(0);
    expect(Buffer.compare(decoded.stdoutBytes, Buffer.concat([text, text]))).toBe(0);
    const padded = initkit(['compress', 'decode', file('padded.gz', Buffer.concat([two, Buffer.alloc(512)]))]);
    expect([padded.status, padded.stderr]).toEqual([0, '']);
    const junk = initkit(['compress', 'decode', file('junk.gz', Buffer.concat([two, Buffer.from('junk')]))]);
    expect(junk.status).toBe(2);
    expect(junk.stderr).toMatch(/trailing garbage ignored/);
    expect(Buffer.compare(junk.stdoutBytes, Buffer.concat([text, text]))).toBe(0);
  });

  it('xz and zstd: bytes after the last stream are an error (exit 1), and -o writes nothing', () => {
    for (const [name, compressor] of [
      ['x.xz', 'xz -c'],
      ['x.zst', 'zstd -q -c'],
    ] as const) {
      const path = file(name, Buffer.concat([tool(compressor, text), Buffer.from('junk')]));
      const out = join(tempDir(), `${name}.out`);
      const result = initkit(['compress', 'decode', '-o', out, path]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/\[COMPRESS_TRAILING_DATA\]/);
      expect(() => readFileSync(out)).toThrow();
    }
  });

  it('lzop: every file of lzop -c a b c', () => {
    const a = file('a', Buffer.from('first\n'));
    const b = file('b', Buffer.from('second\n'));
    const lzo = file('ab.lzo', tool(`lzop -c "${a}" "${b}" "${a}"`));
    const result = initkit(['compress', 'decode', lzo]);
    expect([result.status, result.stdout]).toEqual([0, 'first\nsecond\nfirst\n']);
  });

  it('a gzip bomb streams out under --max-output; 20 MiB of zeros decodes with the defaults', () => {
    const zeros = Buffer.alloc(20 << 20);
    for (const [name, compressor] of [
      ['z.gz', 'gzip -9 -c'],
      ['z.xz', 'xz -c -T1'],
      ['z.zst', 'zstd -q -19 -c'],
    ] as const) {
      const path = file(name, tool(compressor, zeros));
      const full = initkit(['compress', 'decode', '-o', join(tempDir(), 'zeros'), path]);
      expect([name, full.status, full.stderr]).toEqual([name, 0, '']);
      expect(readFileSync(join(tempDir(), 'zeros')).length).toBe(zeros.length);
      const limited = initkit([
        'compress',
        'decode',
        '--max-output',
        String(1 << 20),
        '-o',
        join(tempDir(), 'cut'),
        path,
      ]);
      expect(limited.status).toBe(1);
      expect(limited.stderr).toMatch(/\[COMPRESS_OUTPUT_TOO_LARGE\]/);
    }
  });
});
