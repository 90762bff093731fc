/**
 * dist/kexec.cjs: runs the one-file kexec command (dist/kexec-command.cjs, from kexec-main.ts) through
 * V8's code cache, as the npm package v8-compile-cache does for require(): the first run compiles the
 * source and, at exit, saves the compiled code (with every function that ran) to the cache directory;
 * later runs hand it to vm.Script and skip parsing and most compiling. Under TCG emulation that is most
 * of what the command costs above Node's own start-up (bench/RESULTS.md, kexec).
 *
 * The cache sits in $XDG_CACHE_HOME/initkit or ~/.cache/initkit, never in a shared /tmp: a root process
 * must not run code another user could have written, so the directory must be this user's and closed to
 * others, or the cache is not used. INITKIT_NO_CODE_CACHE=1 turns it off. Any cache problem (a read-only
 * home, a rejected cache after a Node upgrade) falls back to compiling, silently: it only costs time.
 */
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

const commandPath = join(__dirname, 'kexec-command.cjs');
const source = readFileSync(commandPath, 'utf8');
const cachePath = process.env.INITKIT_NO_CODE_CACHE === '1' ? undefined : codeCachePath();
const cachedData = cachePath ? readPrivate(cachePath) : undefined;
const script = new Script(wrap(source), { filename: commandPath, ...(cachedData ? { cachedData } : {}) });
if (cachePath && (!cachedData || script.cachedDataRejected)) {
  // After the command ran (exit is synchronous): the cache then holds the functions it compiled.
  process.once('exit', () => writePrivate(cachePath, script.createCachedData()));
}
const commandModule = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void).call(
  commandModule.exports,
  commandModule.exports,
  createRequire(commandPath),
  commandModule,
  commandPath,
  __dirname,
);

/** The cache file for this command build and this Node, in a private directory; undefined when unsafe. */
function codeCachePath(): string | undefined {
  try {
    const directory = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'initkit');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const info = lstatSync(directory);
    const uid = process.getuid?.();
    if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) return undefined;
    const built = statSync(commandPath);
    return join(directory, `kexec-${process.version}-${process.arch}-${built.size}-${Math.trunc(built.mtimeMs)}.v8`);
  } catch {
    return undefined;
  }
}

function readPrivate(path: string): Buffer | undefined {
  try {
    const info = lstatSync(path);
    return info.isFile() && info.uid === process.getuid?.() ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Written to a temporary name then renamed: a concurrent run reads the old cache or the new one. The
 * caches of earlier builds or Node versions are removed then (they would never be read again).
 */
function writePrivate(path: string, data: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    for (const name of readdirSync(dirname(path))) {
      if (/^kexec-.*\.v8$/.test(name) && name !== basename(path)) unlinkSync(join(dirname(path), name));
    }
  } catch {
    // A full or read-only disk: the next run compiles again.
  }
}
