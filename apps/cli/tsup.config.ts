import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/main.ts'],
    format: ['esm'],
    // The kexec build below writes into the same directory at the same time: keep its file.
    clean: ['!kexec.cjs', '!kexec-command.cjs'],
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
  },
  {
    // `initkit kexec` as one CommonJS file (src/kexec-main.ts says why) run through V8's code cache by
    // kexec.cjs (src/kexec-cache.ts); bin/initkit.cjs routes the command there.
    entry: { kexec: 'src/kexec-cache.ts', 'kexec-command': 'src/kexec-main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    clean: false,
    target: 'node18',
    platform: 'node',
    noExternal: [/^@initkit\//, 'commander', 'fflate', 'lzma'],
    // Dynamic imports become require(): koffi through its CommonJS entry (no ESM loader), and
    // @initkit/compress (an Image.gz only) initialised on first use instead of at start-up.
    esbuildOptions(options) {
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
  },
]);
