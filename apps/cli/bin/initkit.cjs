#!/usr/bin/env -S node --no-concurrent-recompilation --max-semi-space-size=1
// The V8 flags bound memory, and only apply when initkit is run as a command (`node bin/initkit.cjs`
// reads the line above as a comment): V8's background compiler threads keep ~13 MiB of malloc arenas
// alive, and a small young generation collects dropped decoder chunks sooner. Listing the 88 MiB xz and
// zstd initrds peaks 14 and 11 MiB lower with them on Node 24 (bench/RESULTS, issue 19). `env -S` needs
// coreutils 8.30+, BSD or macOS env; busybox's env has no -S (run `node bin/initkit.cjs` there).
// CommonJS, not an ES module: `initkit kexec` then never starts Node's ES module loader, which cost it
// about a second under emulation (bench/RESULTS, kexec); every other command imports the chunked ESM CLI.
'use strict';

// `initkit kexec` runs from one CommonJS file with a V8 code cache (src/kexec-cache.ts says why).
if (process.argv[2] === 'kexec') require('../dist/kexec.cjs');
else
  import('../dist/main.js').catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
