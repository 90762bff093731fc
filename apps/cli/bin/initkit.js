#!/usr/bin/env node
import { createRequire } from 'node:module';

// `initkit kexec` runs from one CommonJS file with a V8 code cache (src/kexec-cache.ts says why).
if (process.argv[2] === 'kexec') createRequire(import.meta.url)('../dist/kexec.cjs');
else await import('../dist/main.js');
