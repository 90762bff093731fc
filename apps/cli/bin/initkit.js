#!/usr/bin/env -S node --no-concurrent-recompilation --max-semi-space-size=1
// The V8 flags bound memory, and only apply when initkit is run as a command (`node bin/initkit.js`
// reads the line above as a comment): V8's background compiler threads keep ~13 MiB of malloc arenas
// alive, and a small young generation collects dropped decoder chunks sooner. Listing the 88 MiB xz and
// zstd initrds peaks 14 and 11 MiB lower with them on Node 24 (bench/RESULTS, issue 19). `env -S` needs
// coreutils 8.30+, BSD or macOS env; busybox's env has no -S (run `node bin/initkit.js` there).
import { createRequire } from 'node:module';

// `initkit kexec` runs from one CommonJS file with a V8 code cache (src/kexec-cache.ts says why).
if (process.argv[2] === 'kexec') createRequire(import.meta.url)('../dist/kexec.cjs');
else await import('../dist/main.js');
