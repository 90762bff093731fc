/**
 * The runtime matrix: the built packages and the CLI run on the Node versions users have, not only on
 * the one that builds them. Node 18 (Debian's, on the ARM guest) loads every package and runs the CLI;
 * Node 22 and 24 (zstd in node:zlib) also run the compress, cpio and initramfs tests and the CLI's end
 * to end tests. The whole suite runs on the machine's Node (this process).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_RUNTIMES, type NodeMajor, nodeBinary } from './harness/node-runtimes.js';
import { cliPath, repoRoot, run } from './harness/run.js';
import { useTempDir } from './harness/temp.js';

/** The test files each newer runtime runs: the packages that decode and write initrds, and the CLI. */
const MATRIX_TESTS = [
  'packages/compress/test',
  'packages/cpio/test',
  'packages/initramfs/test',
  'apps/cli/test/compress.test.ts',
  'apps/cli/test/cpio.test.ts',
];

const temp = useTempDir();

for (const major of Object.keys(NODE_RUNTIMES).map(Number) as NodeMajor[]) {
  describe(`Node ${major}`, () => {
    const node = nodeBinary(major);

    it('is the version we think', () => {
      expect(run(node, ['--version']).stdout.trim()).toBe(`v${NODE_RUNTIMES[major]}`);
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

    it('runs the CLI as a command, through its #! line and the V8 flags on it', () => {
      const shebang = readFileSync(cliPath, 'utf8').split('\n', 1)[0]!;
      const flags = shebang.split(/\s+/).filter((word) => word.startsWith('--'));
      // env -S: variables (UV_USE_IO_URING=0), then node and its flags.
      expect(shebang).toMatch(/^#!\/usr\/bin\/env -S (\w+=\S*\s+)*node /);
      // A flag this runtime does not know makes node exit 9 before running anything.
      const accepted = run(node, [...flags, '-e', '0']);
      expect(`${flags.join(' ')}: ${accepted.stderr}`).toBe(`${flags.join(' ')}: `);
      expect(accepted.status).toBe(0);
      const result = run(cliPath, ['uimage', 'list', join(repoRoot, 'fixtures/uimage/script.uimg')], {
        env: { TZ: 'UTC', PATH: `${dirname(node)}:${process.env.PATH}` },
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('Image Type:   ARM Linux Script (uncompressed)');
    });

    if (major >= 22) {
      it('keeps the CLI compiled in a cache only in a directory private to this user', () => {
        const list = (cacheHome: string, extra: NodeJS.ProcessEnv = {}) => {
          const result = run(node, [cliPath, 'uimage', 'list', join(repoRoot, 'fixtures/uimage/script.uimg')], {
            env: { TZ: 'UTC', XDG_CACHE_HOME: cacheHome, ...extra },
          });
          expect(result.stderr).toBe('');
          expect(result.stdout).toContain('Image Type:   ARM Linux Script (uncompressed)');
          return result.stdout;
        };
        const cached = (cacheHome: string) => existsSync(join(cacheHome, 'initkit', 'compile-cache'));
        const fresh = join(temp(), `fresh-${major}`);
        const first = list(fresh);
        expect(statSync(join(fresh, 'initkit')).mode & 0o777).toBe(0o700);
        expect(readdirSync(join(fresh, 'initkit', 'compile-cache')).length).toBeGreaterThan(0);
        expect(list(fresh)).toBe(first);
        // A directory others can write would run their code: compiled again instead.
        const shared = join(temp(), `shared-${major}`);
        mkdirSync(join(shared, 'initkit'), { recursive: true });
        chmodSync(join(shared, 'initkit'), 0o777);
        expect(list(shared)).toBe(first);
        expect(cached(shared)).toBe(false);
        const off = join(temp(), `off-${major}`);
        expect(list(off, { INITKIT_NO_CODE_CACHE: '1' })).toBe(first);
        expect(existsSync(off)).toBe(false);
      });

      it(
        'passes the compress, cpio, initramfs and CLI end-to-end tests',
        () => {
          const tests = MATRIX_TESTS.filter((path) => {
            try {
              readdirSync(join(repoRoot, path));
              return true;
            } catch (error) {
              return (error as NodeJS.ErrnoException).code === 'ENOTDIR';
            }
          });
          const result = run(
            node,
            // One worker and a generous timeout: this run shares the machine with the outer suite.
            [
              join(repoRoot, 'node_modules/vitest/vitest.mjs'),
              'run',
              '--maxWorkers=1',
              '--testTimeout=180000',
              ...tests,
            ],
            { cwd: repoRoot, env: { ...process.env, INITKIT_RUNTIME_MATRIX: String(major) } },
          );
          expect(result.status, `${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`).toBe(0);
        },
        30 * 60_000,
      );
    }
  });
}
