/**
 * The installed app is two CommonJS files (what the PKGBUILD installs): dist/archkernel-load-app.cjs,
 * the app and every library it uses bundled into one file except koffi (its native addon is installed
 * beside it), and dist/archkernel-load.cjs, the launcher that runs it with a V8 code cache
 * (src/launcher.ts). The demo is an ES module of its own.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/**
 * fflate (@initkit/compress's pure gzip encoder) builds its tables when its module is evaluated: 250 ms
 * of every start under qemu-user (armhf Node 20.11), more under TCG, although the Node build encodes
 * gzip with node:zlib and never calls it. Imported through this shim, fflate is evaluated on its first
 * call instead (its CommonJS build, wrapped by esbuild as a module that runs when first required). A
 * new name imported from fflate fails the build here, not at run time.
 */
const lazyFflate: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'lazy-fflate',
  setup(build) {
    build.onResolve({ filter: /^fflate$/ }, async (args) => {
      if (args.pluginData === 'lazy-fflate') return undefined;
      const real = await build.resolve('fflate', {
        kind: 'require-call',
        resolveDir: args.resolveDir,
        pluginData: 'lazy-fflate',
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-fflate' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-fflate' }, (args) => ({
      contents: `export function gzipSync(data, options) { return require(${JSON.stringify(args.path)}).gzipSync(data, options); }`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

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
    esbuildPlugins: [lazyFflate],
  },
  { ...common, entry: { demo: 'demo/demo.ts' }, format: ['esm'] },
]);
