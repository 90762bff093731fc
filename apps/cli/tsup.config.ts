import { defineConfig } from 'tsup';

/**
 * Files beside kexec-command.cjs (built below): compress and commander are required from it only on the
 * paths that need them; core is shared by it and kexec-compress.cjs, so that both throw one InitkitError.
 */
const KEXEC_SIDE_FILES: Record<string, string> = {
  '@initkit/compress': './kexec-compress.cjs',
  commander: './kexec-commander.cjs',
  '@initkit/core': './kexec-core.cjs',
};

/** How the kexec command's CommonJS files are built. */
const KEXEC_CJS = {
  format: ['cjs'] as const,
  outExtension: () => ({ js: '.cjs' }),
  clean: false,
  target: 'node18',
  platform: 'node' as const,
  noExternal: [/^@initkit\//, 'commander', 'fflate', 'lzma'],
};

/** An esbuild plugin: imports of these packages stay require() of their side file. */
const sideFiles = (names: string[]) => ({
  name: 'kexec-side-files',
  setup(build: { onResolve: (options: { filter: RegExp }, callback: (args: { path: string }) => object) => void }) {
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({
      path: KEXEC_SIDE_FILES[args.path],
      external: true,
    }));
  },
});

export default defineConfig([
  {
    entry: ['src/main.ts'],
    format: ['esm'],
    // The kexec build below writes into the same directory at the same time: keep its file.
    clean: ['!kexec*.cjs'],
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
    ...KEXEC_CJS,
    entry: { kexec: 'src/kexec-cache.ts', 'kexec-command': 'src/kexec-main.ts' },
    // Dynamic imports become require(): koffi through its CommonJS entry (no ESM loader), and
    // @initkit/compress (an Image.gz only) initialised on first use instead of at start-up.
    esbuildOptions(options) {
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
    // @initkit/compress with lzma and fflate (an Image.gz only) and commander (--help, usage errors,
    // failures) are 3/4 of the command's code: kept in files of their own, so that every run does not
    // read and check them against the code cache (bench/RESULTS.md, kexec).
    esbuildPlugins: [sideFiles(['@initkit/compress', 'commander', '@initkit/core'])],
  },
  {
    ...KEXEC_CJS,
    entry: { 'kexec-compress': 'src/kexec-compress.ts', 'kexec-commander': 'src/kexec-commander.ts' },
    esbuildPlugins: [sideFiles(['@initkit/core'])],
  },
  { ...KEXEC_CJS, entry: { 'kexec-core': 'src/kexec-core.ts' } },
]);
