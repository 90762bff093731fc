/**
 * The bundle budget, measured on production builds of the published packages (their dist, as npm users
 * get them): the inspector page's JavaScript (page and worker) at most 250 KiB gzipped, and a program
 * importing @initkit/uimage alone at most 10 KiB gzipped (tree shaking and `sideEffects: false` work).
 * Neither may pull in anything from `node:`. Figures are printed for apps/web/README.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { buildPage, webRoot } from './build-page.js';

const KiB = 1024;

function gzipped(code: string | Uint8Array): number {
  return gzipSync(code, { level: 9 }).length;
}

describe('bundle budget', () => {
  const temp = useTempDir('initkit-web-bundle-');

  it('the page (main script and decoding worker) is at most 250 KiB of gzipped JavaScript, with nothing from node:', async () => {
    const out = join(temp(), 'page');
    await buildPage(out);
    const assets = join(out, 'assets');
    const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
    expect(scripts.some((name) => name.startsWith('worker'))).toBe(true);
    let total = 0;
    for (const name of scripts) {
      const code = readFileSync(join(assets, name), 'utf8');
      expect(code).not.toMatch(/from\s*["']node:|import\(["']node:|require\(["']node:/);
      const size = gzipped(code);
      console.log(`page: ${name} ${(code.length / KiB).toFixed(1)} KiB, ${(size / KiB).toFixed(1)} KiB gzipped`);
      total += size;
    }
    console.log(`page: ${(total / KiB).toFixed(1)} KiB gzipped in all`);
    expect(total).toBeLessThanOrEqual(250 * KiB);
  }, 120_000);

  it('a program importing only @initkit/uimage costs at most 10 KiB gzipped', async () => {
    const output = (await build({
      configFile: false,
      root: webRoot,
      logLevel: 'warn',
      build: {
        write: false,
        minify: true,
        target: 'es2022',
        lib: { entry: fileURLToPath(new URL('./uimage-only.ts', import.meta.url)), formats: ['es'], fileName: 'probe' },
      },
    })) as Rollup.RollupOutput[];
    const chunks = output.flatMap((result) => result.output).filter((item) => item.type === 'chunk');
    expect(chunks.length).toBe(1);
    const code = chunks[0]!.code;
    expect(code).toContain('Image Name:');
    expect(code).not.toMatch(/node:/);
    const size = gzipped(code);
    console.log(`@initkit/uimage alone: ${(code.length / KiB).toFixed(1)} KiB, ${(size / KiB).toFixed(1)} KiB gzipped`);
    expect(size).toBeLessThanOrEqual(10 * KiB);
  }, 120_000);
});
