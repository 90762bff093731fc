#!/usr/bin/env node
/**
 * The installed executable: runs the app's bundle (archkernel-load-app.cjs, beside this file) through a
 * V8 code cache kept in /var/cache/archkernel-load (runWithCodeCache of @initkit/core/node, the runner
 * `initkit kexec` uses too): on a C1 or under emulation compiling the 750 KB bundle is a large part of
 * every boot. Only when that directory exists (the package makes it), never in a developer's tree.
 */
import { join } from 'node:path';
import { runWithCodeCache } from '@initkit/core/node';
import { CODE_CACHE_EVENT } from './code-cache-event.js';

runWithCodeCache({
  file: join(__dirname, 'archkernel-load-app.cjs'),
  directory: process.env.ARCHKERNEL_LOAD_CODE_CACHE ?? '/var/cache/archkernel-load',
  name: 'archkernel-load-app.v8cache',
  // `run` emits this before it asks systemd to kexec: systemd's stop may end the process before exit.
  writeOn: CODE_CACHE_EVENT,
});
