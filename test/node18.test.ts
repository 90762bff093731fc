/**
 * The built packages and CLI must run on Node 18, not only on the Node 20 that builds them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { node18Binary } from './harness/node18.js';
import { cliPath, repoRoot, run } from './harness/run.js';

describe('Node 18', () => {
  const node = node18Binary();

  it('is the version we think', () => {
    expect(run(node, ['--version']).stdout.trim()).toMatch(/^v18\./);
  });

  it('loads every built package as ESM and CJS', () => {
    for (const name of readdirSync(join(repoRoot, 'packages'))) {
      const directory = join(repoRoot, 'packages', name);
      const esm = run(
        node,
        [
          '--input-type=module',
          '-e',
          `const m = await import('@initkit/${name}'); if (!Object.keys(m).length) process.exit(3);`,
        ],
        { cwd: directory },
      );
      expect(`${name} esm: ${esm.stderr}`).toBe(`${name} esm: `);
      expect(esm.status).toBe(0);
      const cjs = run(
        node,
        ['-e', `const m = require('@initkit/${name}'); if (!Object.keys(m).length) process.exit(3);`],
        { cwd: directory },
      );
      expect(`${name} cjs: ${cjs.stderr}`).toBe(`${name} cjs: `);
      expect(cjs.status).toBe(0);
    }
  });

  it('runs the initkit CLI', () => {
    const result = run(node, [cliPath, 'uimage', 'list', join(repoRoot, 'fixtures/uimage/script.uimg')], {
      env: { TZ: 'UTC' },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Image Type:   ARM Linux Script (uncompressed)');
  });
});
