/**
 * Every package README promises a runnable example: each ```js block runs with Node against the built
 * package (from the package's directory, so the package imports itself by name) and must exit 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './harness/run.js';

const packagesDir = join(repoRoot, 'packages');
const examples = readdirSync(packagesDir).flatMap((name) => {
  const readme = join(packagesDir, name, 'README.md');
  if (!existsSync(readme)) return [];
  const blocks = [...readFileSync(readme, 'utf8').matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  return blocks.map((code, index) => ({ name, index, code }));
});

describe('README examples run', () => {
  it('every package has a README with at least one runnable js example', () => {
    const withExamples = new Set(examples.map((example) => example.name));
    const missing = readdirSync(packagesDir).filter((name) => !withExamples.has(name));
    expect(missing).toEqual([]);
  });

  it.each(examples)('$name example $index', ({ name, index, code }) => {
    const directory = join(packagesDir, name);
    expect(existsSync(join(directory, 'dist')), `${name} is not built (pnpm build)`).toBe(true);
    const script = join(directory, `.readme-example-${index}.mjs`);
    writeFileSync(script, code);
    try {
      const result = spawnSync(process.execPath, [script], { cwd: directory, encoding: 'utf8', timeout: 60_000 });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(script, { force: true });
    }
  });
});
