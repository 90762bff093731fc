/**
 * Runs a CommonJS bundle through V8's code cache, as the npm package v8-compile-cache does for require():
 * the first run compiles the source and, when the work is done (the process's exit, or an event the app
 * emits earlier), saves the compiled code with every function that ran; later runs hand it to vm.Script
 * and skip parsing and most compiling. Node 20 has no compile cache of its own (module.enableCompileCache
 * is Node 22), and under emulation or on a slow board compiling a bundle is most of a short command's
 * start-up. Used by the launchers of `initkit kexec` (apps/cli) and archkernel-load (apps/archkernel).
 *
 * The cache holds code the process will run, so it is used only from a directory that belongs to this
 * user and that no one else can write (a root process must not run code another user wrote), and only
 * when the file is this user's. V8 checks its own version, flags and the source's length, not its
 * content: the file starts with a key line (Node version, architecture, the bundle's size and time), so
 * an upgrade never runs stale code. Any cache problem (none yet, a read-only disk, a cache V8 rejects)
 * falls back to compiling: it only costs time.
 */
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export interface CodeCacheRun {
  /** The CommonJS file to run (a bundle: its require() resolves from its own directory). */
  file: string;
  /** The cache's directory; undefined runs the file without a cache. */
  directory: string | undefined;
  /** The cache file's name in that directory, e.g. `kexec.v8cache`. */
  name: string;
  /** Make the directory (mode 0700) when it is missing; without this a missing directory means no cache. */
  create?: boolean;
  /** A process event after which the cache is written at once (before an exit that may never come). */
  writeOn?: string;
}

/** Runs `run.file` as a CommonJS module, through the code cache when one can be used safely. */
export function runWithCodeCache(run: CodeCacheRun): void {
  const source = readFileSync(run.file, 'utf8');
  const cacheFile = run.directory !== undefined ? usableCacheFile(run) : undefined;
  const built = statSync(run.file);
  const key = `${run.name} ${process.version} ${process.arch} ${built.size} ${Math.trunc(built.mtimeMs)}\n`;
  const cachedData = cacheFile ? readCache(cacheFile, key) : undefined;
  const script = new Script(Module.wrap(source), { filename: run.file, ...(cachedData ? { cachedData } : {}) });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      writeCache(cacheFile, key, script.createCachedData());
    };
    // At exit (synchronous) the cache holds every function the run compiled.
    process.once('exit', write);
    if (run.writeOn) process.once(run.writeOn, write);
  }
  const bundle = new Module(run.file);
  bundle.filename = run.file;
  bundle.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(
    dirname(run.file),
  );
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    bundle.exports,
    bundle.exports,
    createRequire(run.file),
    bundle,
    run.file,
    dirname(run.file),
  );
}

/** The cache file's path when its directory is this user's and closed to others; undefined otherwise. */
function usableCacheFile(run: CodeCacheRun): string | undefined {
  const directory = run.directory as string;
  try {
    if (run.create) mkdirSync(directory, { recursive: true, mode: 0o700 });
    const info = lstatSync(directory);
    if (!info.isDirectory() || !ownedByMe(info.uid) || (info.mode & 0o022) !== 0) return undefined;
    return join(directory, run.name);
  } catch {
    return undefined;
  }
}

function ownedByMe(uid: number): boolean {
  const me = process.getuid?.();
  return me === undefined || uid === me;
}

/** The cached code after the key line, when the file is this user's and its key is this run's. */
function readCache(path: string, key: string): Buffer | undefined {
  try {
    const info = lstatSync(path);
    if (!info.isFile() || !ownedByMe(info.uid)) return undefined;
    const file = readFileSync(path);
    return file.subarray(0, key.length).toString('latin1') === key ? file.subarray(key.length) : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name then renamed: a concurrent run reads the old cache or the new one. */
function writeCache(path: string, key: string, data: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, key, null, 'latin1');
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch {
    // A full or read-only disk: the next run compiles again.
    try {
      unlinkSync(temporary);
    } catch {
      // Never created.
    }
  }
}
