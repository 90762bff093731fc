/**
 * Builds the page with its own vite config into a directory (the tests build what they serve and
 * measure). `fromSources` resolves @initkit/* to the packages' TypeScript sources, as vitest.config.ts
 * does, so the browser test sees the tree as it is without a rebuild of every package.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const webRoot = fileURLToPath(new URL('../', import.meta.url));
const packages = fileURLToPath(new URL('../../../packages/', import.meta.url));

export async function buildPage(outDir: string, options: { fromSources?: boolean } = {}): Promise<void> {
  await build({
    root: webRoot,
    configFile: `${webRoot}vite.config.ts`,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
    resolve: options.fromSources
      ? { alias: [{ find: /^@initkit\/([a-z0-9-]+)$/, replacement: `${packages}$1/src/index.ts` }] }
      : {},
  });
}
