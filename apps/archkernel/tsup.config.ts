/**
 * The installed app is two CommonJS files (what the PKGBUILD installs): dist/archkernel-load-app.cjs,
 * the app and every library it uses bundled into one file except koffi (its native addon is installed
 * beside it), and dist/archkernel-load.cjs, the launcher that runs it with a V8 code cache
 * (src/launcher.ts). The demo is an ES module of its own.
 */
import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

const common: Options = {
  target: 'node20',
  platform: 'node',
  splitting: false,
  define: { __APP_VERSION__: JSON.stringify(version) },
  // Whitespace and syntax minified, names kept: a third less to compile at every boot, stack traces still readable.
  esbuildOptions(options) {
    options.minifyWhitespace = true;
    options.minifySyntax = true;
    // import('koffi') becomes require('koffi'): code run through vm.Script cannot import() on Node 20.
    options.supported = { ...options.supported, 'dynamic-import': false };
  },
};

export default defineConfig([
  {
    ...common,
    entry: { 'archkernel-load': 'src/launcher.ts', 'archkernel-load-app': 'src/main.ts' },
    format: ['cjs'],
    // Only the app's files: the demo's build runs beside this one.
    clean: ['archkernel-load*'],
    noExternal: [
      /^@initkit\//,
      /^@homebridge\//,
      'smol-toml',
      'event-stream',
      'hexy',
      'long',
      'minimist',
      'safe-buffer',
      'xml2js',
    ],
    external: ['koffi', 'abstract-socket', 'x11'],
  },
  { ...common, entry: { demo: 'demo/demo.ts' }, format: ['esm'] },
]);
