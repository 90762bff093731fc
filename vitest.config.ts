/**
 * One vitest run over every package, app and the cross-package tests. Imports of @initkit/* resolve to
 * the packages' TypeScript sources (src/index.ts; src/node.ts for ./node; src/node-NAME.ts for ./node/NAME), so tests
 * see edits without a rebuild; CLI tests run the built bin, which `pnpm test` builds first.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@initkit\/([a-z0-9-]+)\/node$/, replacement: `${packages}$1/src/node.ts` },
      { find: /^@initkit\/([a-z0-9-]+)\/node\/([a-z0-9-]+)$/, replacement: `${packages}$1/src/node-$2.ts` },
      { find: /^@initkit\/([a-z0-9-]+)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // test/.cache holds unpacked root filesystems (the C1 disk's /proc among them): never crawl it.
    exclude: ['**/node_modules/**', '**/dist/**', 'test/.cache/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
