#!/usr/bin/env node
/**
 * The installed executable: runs the app's bundle (archkernel-load-app.cjs, beside this file) through a
 * V8 code cache kept in /var/cache/archkernel-load (runWithCodeCache of @initkit/core/node, the runner
 * `initkit kexec` uses too): on a C1 or under emulation compiling the 750 KB bundle is a large part of
 * every boot. Only when that directory exists (the package makes it), never in a developer's tree, and
 * only for `run`: V8's cache is written once, with what that first process compiled, so a `prepare` (the
 * pacman hook, post_install) or `status` run first must not be the one that writes it for the boots.
 */
import { join } from 'node:path';
import { runWithCodeCache } from '@initkit/core/node';
import { isBootRun } from './argv.js';
import { CODE_CACHE_EVENT } from './code-cache-event.js';

const boot = isBootRun(process.argv.slice(2));

runWithCodeCache({
  file: join(__dirname, 'archkernel-load-app.cjs'),
  directory: boot ? (process.env.ARCHKERNEL_LOAD_CODE_CACHE ?? '/var/cache/archkernel-load') : undefined,
  name: 'archkernel-load-app.v8cache',
  // `run` emits this before it asks systemd to kexec: systemd's stop may end the process before exit.
  writeOn: CODE_CACHE_EVENT,
});
