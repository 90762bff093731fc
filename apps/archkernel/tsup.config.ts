/**
 * One file: the app and every library it uses bundled into dist/archkernel-load.js (what the PKGBUILD
 * installs), except koffi, whose native addon is installed beside it. The demo is a second entry.
 */
import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  entry: { 'archkernel-load': 'src/main.ts', demo: 'demo/demo.ts' },
  format: ['esm'],
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
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
  define: { __APP_VERSION__: JSON.stringify(version) },
  // Bundled CommonJS (dbus-native) calls require() for Node's built-ins: give it one, made on first use
  // (createRequire reads package.json scopes: about 10 ms the cached boot does not need to pay).
  banner: {
    js: "import { createRequire as __archkernelCreateRequire } from 'node:module'; let __archkernelRequire; const require = (id) => (__archkernelRequire ??= __archkernelCreateRequire(import.meta.url))(id);",
  },
  // Whitespace and syntax minified, names kept: a third less to compile at every boot, stack traces still readable.
  esbuildOptions(options) {
    options.minifyWhitespace = true;
    options.minifySyntax = true;
  },
});
