#!/usr/bin/env -S UV_USE_IO_URING=0 node --no-concurrent-recompilation --max-semi-space-size=1
// The V8 flags bound memory, and only apply when initkit is run as a command (`node bin/initkit.cjs`
// reads the line above as a comment): V8's background compiler threads keep ~13 MiB of malloc arenas
// alive, and a small young generation collects dropped decoder chunks sooner. Listing the 88 MiB xz and
// zstd initrds peaks 14 and 11 MiB lower with them on Node 24 (bench/RESULTS, issue 19). `env -S` needs
// coreutils 8.30+, BSD or macOS env; busybox's env has no -S (run `node bin/initkit.cjs` there).
// UV_USE_IO_URING=0: no io_uring in libuv; Node 20.0-20.11.0's polling thread for it spins on a 32-bit
// kernel for the first 5 minutes after boot, when `initkit kexec` may run (4x the CPU in the armhf guest,
// bench/RESULTS, kexec); later Nodes leave it off anyway.
// CommonJS, not an ES module: `initkit kexec` then never starts Node's ES module loader, which cost it
// about a second under emulation (bench/RESULTS, kexec); every other command imports the chunked ESM CLI.
'use strict';

// `initkit kexec` runs from one CommonJS file with a V8 code cache (src/kexec-cache.ts says why).
if (process.argv[2] === 'kexec') require('../dist/kexec.cjs');
else {
  enableCompileCache();
  import('../dist/main.js').catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/**
 * Node 22.1+ keeps the compiled ESM chunks in a cache (about 15 ms less CPU per command, bench/RESULTS,
 * issue 19): in $XDG_CACHE_HOME/initkit or ~/.cache/initkit, as kexec's, and only when that directory is
 * this user's and no one else can write it (the cache holds code this process runs). Node 20 has none.
 * INITKIT_NO_CODE_CACHE=1 turns it off; any problem only means compiling again.
 */
function enableCompileCache() {
  const { enableCompileCache: enable } = require('node:module');
  if (typeof enable !== 'function' || process.env.INITKIT_NO_CODE_CACHE === '1') return;
  try {
    const { lstatSync, mkdirSync } = require('node:fs');
    const { join } = require('node:path');
    const home = process.env.HOME || require('node:os').homedir();
    const directory = join(process.env.XDG_CACHE_HOME || join(home, '.cache'), 'initkit');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const info = lstatSync(directory);
    const mine = process.getuid === undefined || info.uid === process.getuid();
    if (info.isDirectory() && mine && (info.mode & 0o022) === 0) enable(join(directory, 'compile-cache'));
  } catch {
    // No home directory, a read-only disk: no cache.
  }
}
