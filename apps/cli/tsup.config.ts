import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  clean: true,
  target: 'node18',
  platform: 'node',
  // Each area becomes its own chunk so a command loads only the code it runs.
  splitting: true,
  // The libraries and commander are bundled in: resolving ~20 modules through node_modules (and
  // commander's CommonJS through Node's export lexer) cost ~140 ms per run, more than Node's own start-up.
  noExternal: [/^@initkit\//, 'commander', 'fflate', 'lzma'],
  // Bundled CommonJS (commander, LZMA-JS) calls require() for Node built-ins.
  banner: {
    js: "import { createRequire as __initkitCreateRequire } from 'node:module';\nconst require = __initkitCreateRequire(import.meta.url);",
  },
});
