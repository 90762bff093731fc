/** The build every initkit package shares: ESM and CJS for Node 18+, with declarations. */
import { defineConfig, type Options } from 'tsup';

export function packageBuild(entry: string[], overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node18',
    platform: 'node',
    splitting: false,
    ...overrides,
  });
}
