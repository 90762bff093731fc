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
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { type FileStatus, libcFiles, nodeFs } from './libc-files.js';

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
  /**
   * Read the file and the cache through the C library, koffi found from this file (libc-files.ts: on
   * Node 20.11 the first require('node:fs') costs more than the reads). Writing the cache, the first
   * run's, and any failure still go through node:fs.
   */
  koffiFrom?: string;
}

/** The few file operations the runner needs, through the C library or node:fs. */
interface Files {
  /** lstat (follow: false) or stat; undefined when the file is missing or cannot be looked at. */
  status(path: string, follow: boolean): FileStatus | undefined;
  /** The whole file; undefined on failure. */
  read(path: string): Buffer | undefined;
}

/** Runs `run.file` as a CommonJS module, through the code cache when one can be used safely. */
export function runWithCodeCache(run: CodeCacheRun): void {
  const files = runFiles(run);
  const source = (files.read(run.file) ?? nodeFs().readFileSync(run.file)).toString('utf8');
  const cacheFile = run.directory !== undefined ? usableCacheFile(run, files) : undefined;
  const built = files.status(run.file, true) ?? nodeFs().statSync(run.file);
  const key = `${run.name} ${process.version} ${process.arch} ${built.size} ${Math.trunc(built.mtimeMs)}\n`;
  const cachedData = cacheFile ? readCache(cacheFile, key, files) : undefined;
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

/** libc's file calls when asked for and available, else node:fs's. */
function runFiles(run: CodeCacheRun): Files {
  const libc = run.koffiFrom !== undefined ? libcFiles(run.koffiFrom) : undefined;
  if (libc) return { status: (path, follow) => libc.status(path, { follow }), read: (path) => libc.readFile(path) };
  const fs = nodeFs();
  return {
    status(path, follow) {
      try {
        const info = follow ? fs.statSync(path) : fs.lstatSync(path);
        return { ...info, mtimeMs: info.mtimeMs, isFile: info.isFile(), isDirectory: info.isDirectory() };
      } catch {
        return undefined;
      }
    },
    read(path) {
      try {
        return fs.readFileSync(path);
      } catch {
        return undefined;
      }
    },
  };
}

/** The cache file's path when its directory is this user's and closed to others; undefined otherwise. */
function usableCacheFile(run: CodeCacheRun, files: Files): string | undefined {
  const directory = run.directory as string;
  let info = files.status(directory, false);
  if (!info && run.create) {
    try {
      // The first run (or a removed cache): node:fs, whose cost then does not matter.
      nodeFs().mkdirSync(directory, { recursive: true, mode: 0o700 });
    } catch {
      return undefined;
    }
    info = files.status(directory, false);
  }
  if (!info?.isDirectory || !ownedByMe(info.uid) || (info.mode & 0o022) !== 0) return undefined;
  return join(directory, run.name);
}

function ownedByMe(uid: number): boolean {
  const me = process.getuid?.();
  return me === undefined || uid === me;
}

/** The cached code after the key line, when the file is this user's and its key is this run's. */
function readCache(path: string, key: string, files: Files): Buffer | undefined {
  const info = files.status(path, false);
  if (!info?.isFile || !ownedByMe(info.uid)) return undefined;
  const file = files.read(path);
  return file && file.subarray(0, key.length).toString('latin1') === key ? file.subarray(key.length) : undefined;
}

/** Written to a temporary name then renamed: a concurrent run reads the old cache or the new one. */
function writeCache(path: string, key: string, data: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const { closeSync, openSync, renameSync, unlinkSync, writeSync } = nodeFs();
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
