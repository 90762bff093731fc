/**
 * Every .dtb of Debian 12's armhf armmp kernel: parse + serialize gives the same bytes (also with the
 * strings table rebuilt, as `dtc -I dtb -O dtb`), formatDts equals `dtc -I dtb -O dts` for each, and the
 * whole `initkit fdt dump` process equals dtc for a sample of them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { formatDts, parseFdt, serializeFdt } from '@initkit/fdt';
import { beforeAll, describe, expect, it } from 'vitest';
import { initkit } from '../harness/run.js';
import { hasTools } from '../harness/tools.js';
import { armmpDtbs } from './armmp-dtbs.js';

const execFileAsync = promisify(execFile);

/** Runs `work` over `items` with `concurrency` workers (the machine has 2 cores). */
async function mapPool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

describe.runIf(hasTools('dtc'))('Debian 12 armmp device trees', () => {
  let paths: string[] = [];
  let blobs: Uint8Array[] = [];
  let dtcText: string[] = [];

  beforeAll(async () => {
    paths = await armmpDtbs();
    blobs = paths.map((path) => new Uint8Array(readFileSync(path)));
    dtcText = await mapPool(paths, 2, async (path) => {
      const { stdout } = await execFileAsync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', path], {
        encoding: 'latin1',
        maxBuffer: 1 << 28,
      });
      return stdout;
    });
  }, 600_000);

  it('there are hundreds of them', () => {
    expect(paths.length).toBeGreaterThan(500);
  });

  it('parse then serialize gives the same bytes, for every blob', () => {
    const differing = paths.filter((_path, index) => {
      const blob = blobs[index]!;
      const tree = parseFdt(blob);
      return !equalBytes(serializeFdt(tree), blob) || !equalBytes(serializeFdt(tree, { strings: 'rebuild' }), blob);
    });
    expect(differing).toEqual([]);
  });

  it('formatDts equals `dtc -I dtb -O dts`, for every blob', () => {
    const differing = paths.filter((_path, index) => formatDts(parseFdt(blobs[index]!)) !== dtcText[index]);
    expect(differing.map((path) => basename(path))).toEqual([]);
  });

  it('the `initkit fdt dump` process prints what dtc prints (every 75th blob)', () => {
    for (let index = 0; index < paths.length; index += 75) {
      const result = initkit(['fdt', 'dump', paths[index]!]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdoutBytes.toString('latin1') === dtcText[index], basename(paths[index]!)).toBe(true);
    }
  });
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
