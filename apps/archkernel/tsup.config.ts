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
  banner: {
    js: "import { createRequire as __archkernelRequire } from 'node:module'; const require = __archkernelRequire(import.meta.url);",
  },
});
