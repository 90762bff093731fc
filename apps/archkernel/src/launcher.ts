#!/usr/bin/env node
/**
 * The installed executable: runs the app's bundle (archkernel-load-app.cjs, beside this file) through
 * vm.Script with a V8 code cache kept in /var/cache/archkernel-load, the technique of the npm package
 * v8-compile-cache. Node 20 has no built-in compile cache (module.enableCompileCache is Node 22), and on a
 * C1 or under emulation compiling the 750 KB bundle is a large part of every boot. The cache is written
 * at the exit of a run that had none (or whose cache V8 rejected), so it holds every function that run
 * compiled; only when the directory exists (the package makes it), never in a developer's tree.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { CODE_CACHE_EVENT } from './code-cache-event.js';

const app = join(__dirname, 'archkernel-load-app.cjs');
const cacheDirectory = process.env.ARCHKERNEL_LOAD_CODE_CACHE ?? '/var/cache/archkernel-load';
const cacheFile = join(cacheDirectory, 'archkernel-load-app.v8cache');
// V8 checks its own version, the flags and the source's length, not its content: the key adds the
// bundle's size and time and Node's version and architecture, so an upgrade never runs stale code.
const stat = statSync(app);
const key = `archkernel-load code cache ${process.version} ${process.arch} ${stat.size} ${stat.mtimeMs}\n`;

function readCache(): Buffer | undefined {
  try {
    const file = readFileSync(cacheFile);
    return file.subarray(0, key.length).toString('latin1') === key ? file.subarray(key.length) : undefined;
  } catch {
    return undefined;
  }
}

const cachedData = readCache();
const script = new Script(Module.wrap(readFileSync(app, 'utf8')), { filename: app, cachedData });
let written = false;
function writeCache(): void {
  if (written) return;
  written = true;
  try {
    const partial = `${cacheFile}.partial`;
    writeFileSync(partial, Buffer.concat([Buffer.from(key, 'latin1'), script.createCachedData()]), { mode: 0o644 });
    renameSync(partial, cacheFile);
  } catch {
    // No cache directory (not installed) or a read-only system: the next run compiles again.
  }
}
if (!cachedData || script.cachedDataRejected) {
  process.once('exit', writeCache);
  // `run` emits this before it asks systemd to kexec: systemd's stop may end the process before exit.
  process.once(CODE_CACHE_EVENT, writeCache);
}
const bundle = new Module(app, module);
bundle.filename = app;
bundle.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(dirname(app));
(script.runInThisContext() as (...args: unknown[]) => void).call(
  bundle.exports,
  bundle.exports,
  (id: string) => bundle.require(id),
  bundle,
  app,
  dirname(app),
);
