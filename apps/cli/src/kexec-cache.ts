/**
 * dist/kexec.cjs: runs the one-file kexec command (dist/kexec-command.cjs, from kexec-main.ts) through
 * V8's code cache (runWithCodeCache of @initkit/core/node, the runner archkernel-load's launcher uses
 * too). Under TCG emulation compiling the command is most of what it costs above Node's own start-up
 * (bench/RESULTS.md, kexec).
 *
 * The cache is kexec.v8cache in $XDG_CACHE_HOME/initkit or ~/.cache/initkit, a directory made private to
 * this user, never a shared /tmp (runWithCodeCache refuses a directory others can write).
 * INITKIT_NO_CODE_CACHE=1 turns it off.
 */
import { join } from 'node:path';
import { runWithCodeCache } from '@initkit/core/node';

runWithCodeCache({
  file: join(__dirname, 'kexec-command.cjs'),
  directory: process.env.INITKIT_NO_CODE_CACHE === '1' ? undefined : userCacheDirectory(),
  name: 'kexec.v8cache',
  create: true,
  // The bundle and its cache read through the C library (koffi, beside this file): on Node 20.11 the
  // first require('node:fs') costs more than both reads (libc-files.ts of @initkit/core/node).
  koffiFrom: __filename,
});

function userCacheDirectory(): string | undefined {
  try {
    // node:os only when $HOME is unset (os.homedir() reads $HOME first too): one module less to load.
    const home = process.env.HOME || (require('node:os') as typeof import('node:os')).homedir();
    return join(process.env.XDG_CACHE_HOME || join(home, '.cache'), 'initkit');
  } catch {
    // No home directory for this user: no cache.
    return undefined;
  }
}
