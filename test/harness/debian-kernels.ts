/**
 * Real Debian 12 (bookworm) kernels for the oracle tests: `debianKernel('amd64' | 'armhf')` downloads the
 * kernel package that linux-image-amd64 / linux-image-armmp depends on with `apt-get download`, unpacks
 * it with `dpkg -x` into the git-ignored test/.cache/debian/<arch>/, and returns where its kernel image
 * and module tree are. Each architecture has its own private apt configuration (sources, lists, cache),
 * so the machine's apt setup is neither needed nor touched. The first call fetches (about a minute);
 * later calls, in any process, read the cached result. `.ci/run` prefetches with
 * `npx tsx test/fetch-debian-kernels.ts` so the tests themselves never wait on the network in CI.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { privateAptOptions } from './private-apt.js';

const execFileAsync = promisify(execFile);

export type DebianArch = 'amd64' | 'armhf';

export interface DebianKernel {
  arch: DebianArch;
  /** The kernel release, as `uname -r` prints it and as lib/modules/<release> is named: "6.1.0-56-amd64". */
  release: string;
  /** The Debian package that holds the kernel, e.g. "linux-image-6.1.0-56-amd64". */
  packageName: string;
  /** The package version, e.g. "6.1.192-2". */
  packageVersion: string;
  /** The unpacked package (what `dpkg -x` made): contains boot/ and lib/modules/. */
  root: string;
  /** The kernel image: root/boot/vmlinuz-<release> (a bzImage on amd64, a zImage on armhf). */
  vmlinuz: string;
  /** The module tree: root/lib/modules/<release> (plain .ko files, no modules.dep: depmod makes it). */
  modulesDir: string;
  /** The downloaded .deb. */
  debPath: string;
}

/** The metapackage whose dependency names the real kernel package, per architecture. */
const METAPACKAGES: Record<DebianArch, string> = {
  amd64: 'linux-image-amd64',
  armhf: 'linux-image-armmp',
};

const SOURCES = [
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main',
];

/** test/.cache/debian/, ignored by git. */
export const debianCacheDir = fileURLToPath(new URL('../.cache/debian/', import.meta.url));

/** Where one architecture's kernel is kept and the marker that says it is complete. */
function archDir(arch: DebianArch): string {
  return join(debianCacheDir, arch);
}
function markerPath(arch: DebianArch): string {
  return join(archDir(arch), 'kernel.json');
}

/** The cached kernel for `arch`, or undefined when it has not been fetched yet (never touches the network). */
export function cachedDebianKernel(arch: DebianArch): DebianKernel | undefined {
  const marker = markerPath(arch);
  if (!existsSync(marker)) return undefined;
  const kernel = JSON.parse(readFileSync(marker, 'utf8')) as DebianKernel;
  // The cache may have moved with the checkout: recompute paths from the marker's location.
  const root = join(archDir(arch), 'root');
  const resolved: DebianKernel = {
    ...kernel,
    root,
    vmlinuz: join(root, 'boot', `vmlinuz-${kernel.release}`),
    modulesDir: join(root, 'lib', 'modules', kernel.release),
    debPath: join(archDir(arch), `${kernel.packageName}.deb`),
  };
  return existsSync(resolved.vmlinuz) && existsSync(resolved.modulesDir) ? resolved : undefined;
}

/**
 * The Debian 12 kernel for `arch`, fetched and unpacked on first use and cached in test/.cache/debian/.
 * Safe to call from several test processes at once: one fetches while the others wait for it.
 */
export async function debianKernel(arch: DebianArch): Promise<DebianKernel> {
  const cached = cachedDebianKernel(arch);
  if (cached) return cached;
  mkdirSync(debianCacheDir, { recursive: true });
  const release = await acquireLock(join(debianCacheDir, `${arch}.lock`));
  try {
    return cachedDebianKernel(arch) ?? (await fetchDebianKernel(arch));
  } finally {
    release();
  }
}

/** The apt-get options of a private configuration for `arch`: its own sources, lists and cache. */
function aptOptions(arch: DebianArch): string[] {
  return privateAptOptions(join(archDir(arch), 'apt'), SOURCES, arch);
}

async function fetchDebianKernel(arch: DebianArch): Promise<DebianKernel> {
  const directory = archDir(arch);
  mkdirSync(directory, { recursive: true });
  const options = aptOptions(arch);
  // A mirror in the middle of a sync can fail one index (often bookworm-security); the others still
  // name the kernel, so a partial update is enough unless the kernel cannot be resolved below.
  const updateProblem = await command('apt-get', [...options, 'update']).then(
    () => '',
    (error: Error) => error.message,
  );

  // linux-image-amd64 (or -armmp) depends on exactly one versioned kernel package: that is the kernel.
  const depends = await commandOrEmpty('apt-cache', [
    ...options,
    'depends',
    '--no-recommends',
    '--no-suggests',
    METAPACKAGES[arch],
  ]);
  const packageName = /Depends:\s+(linux-image-\S+)/.exec(depends)?.[1];
  if (!packageName) {
    throw new Error(`${METAPACKAGES[arch]} (${arch}) names no kernel package:\n${depends}\n${updateProblem}`);
  }
  const policy = await command('apt-cache', [...options, 'policy', packageName]);
  const packageVersion = /Candidate:\s+(\S+)/.exec(policy)?.[1] ?? 'unknown';

  const downloads = join(directory, 'download');
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  await command('apt-get', [...options, 'download', packageName], downloads);
  const deb = readdirSync(downloads).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${packageName} left no .deb in ${downloads}`);
  const debPath = join(directory, `${packageName}.deb`);
  renameSync(join(downloads, deb), debPath);
  rmSync(downloads, { recursive: true, force: true });

  // Unpack beside the final place, then rename, so an interrupted run never leaves a half tree behind.
  const root = join(directory, 'root');
  const unpacking = join(directory, 'root.partial');
  rmSync(unpacking, { recursive: true, force: true });
  await command('dpkg', ['-x', debPath, unpacking]);
  const releases = readdirSync(join(unpacking, 'lib', 'modules'));
  if (releases.length !== 1)
    throw new Error(`${debPath}: expected one lib/modules/<release>, found ${releases.join(', ')}`);
  const release = releases[0]!;
  rmSync(root, { recursive: true, force: true });
  renameSync(unpacking, root);

  const kernel: DebianKernel = {
    arch,
    release,
    packageName,
    packageVersion,
    root,
    vmlinuz: join(root, 'boot', `vmlinuz-${release}`),
    modulesDir: join(root, 'lib', 'modules', release),
    debPath,
  };
  if (!statSync(kernel.vmlinuz).isFile()) throw new Error(`${debPath} has no boot/vmlinuz-${release}`);
  writeFileSync(markerPath(arch), `${JSON.stringify(kernel, null, 2)}\n`);
  return kernel;
}

async function command(file: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, {
      cwd,
      maxBuffer: 64 << 20,
      env: { ...process.env, LC_ALL: 'C' },
    });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`);
  }
}

async function commandOrEmpty(file: string, args: string[]): Promise<string> {
  return command(file, args).catch(() => '');
}

/** A lock between processes: a directory created atomically; a lock older than 15 minutes is stale. */
async function acquireLock(path: string): Promise<() => void> {
  const staleAfterMs = 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(path);
      return () => rmSync(path, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(path).mtimeMs > staleAfterMs) rmSync(path, { recursive: true, force: true });
      } catch {
        // Released between our checks: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
