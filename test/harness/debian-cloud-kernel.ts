/**
 * Debian 12's cloud kernel (the package linux-image-cloud-amd64 depends on) for the initramfs build
 * proofs: fetched once with `apt-get download` through a private apt configuration (the pattern of
 * debian-kernels.ts), unpacked with `dpkg -x` into the git-ignored test/.cache/debian/cloud-amd64/, and
 * given a modules.dep by the real depmod (Debian's packages ship none). `.ci/run` prefetches it with
 * `npx tsx test/harness/debian-cloud-kernel.ts` so tests never wait on the network.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateAptOptions } from './private-apt.js';

export interface DebianCloudKernel {
  /** e.g. "6.1.0-57-cloud-amd64". */
  release: string;
  packageName: string;
  /** The unpacked package (boot/, lib/modules/). */
  root: string;
  vmlinuz: string;
  /** root/lib/modules/<release>, with depmod's files. */
  modulesDir: string;
  /** root/boot/config-<release>. */
  config: string;
}

const SOURCES = [
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main',
];

const directory = fileURLToPath(new URL('../.cache/debian/cloud-amd64/', import.meta.url));
const marker = join(directory, 'kernel.json');

function paths(release: string, packageName: string): DebianCloudKernel {
  const root = join(directory, 'root');
  return {
    release,
    packageName,
    root,
    vmlinuz: join(root, 'boot', `vmlinuz-${release}`),
    modulesDir: join(root, 'lib', 'modules', release),
    config: join(root, 'boot', `config-${release}`),
  };
}

/** The cached cloud kernel, or undefined when it was not fetched (never touches the network). */
export function cachedCloudKernel(): DebianCloudKernel | undefined {
  if (!existsSync(marker)) return undefined;
  const { release, packageName } = JSON.parse(readFileSync(marker, 'utf8')) as DebianCloudKernel;
  const kernel = paths(release, packageName);
  return existsSync(kernel.vmlinuz) && existsSync(join(kernel.modulesDir, 'modules.dep')) ? kernel : undefined;
}

function run(file: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(file, args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`);
  }
}

function aptOptions(): string[] {
  return privateAptOptions(join(directory, 'apt'), SOURCES, 'amd64');
}

/** Fetches, unpacks and depmods the cloud kernel (about a minute), unless it is cached. */
export function debianCloudKernel(): DebianCloudKernel {
  const cached = cachedCloudKernel();
  if (cached) return cached;
  mkdirSync(directory, { recursive: true });
  const options = aptOptions();
  let updateProblem = '';
  try {
    run('apt-get', [...options, 'update']);
  } catch (error) {
    // One index failing mid-sync is fine as long as the kernel still resolves below.
    updateProblem = (error as Error).message;
  }
  const depends = run('apt-cache', [
    ...options,
    'depends',
    '--no-recommends',
    '--no-suggests',
    'linux-image-cloud-amd64',
  ]);
  const packageName = /Depends:\s+(linux-image-\S+)/.exec(depends)?.[1];
  if (!packageName) throw new Error(`linux-image-cloud-amd64 names no kernel package:\n${depends}\n${updateProblem}`);
  const downloads = join(directory, 'download');
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  run('apt-get', [...options, 'download', packageName], downloads);
  const deb = readdirSync(downloads).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${packageName} left no .deb`);
  const unpacking = join(directory, 'root.partial');
  rmSync(unpacking, { recursive: true, force: true });
  run('dpkg', ['-x', join(downloads, deb), unpacking]);
  const releases = readdirSync(join(unpacking, 'lib', 'modules'));
  if (releases.length !== 1) throw new Error(`expected one lib/modules/<release>, found ${releases.join(', ')}`);
  const release = releases[0]!;
  run('depmod', ['-b', unpacking, release]);
  rmSync(join(directory, 'root'), { recursive: true, force: true });
  renameSync(unpacking, join(directory, 'root'));
  rmSync(downloads, { recursive: true, force: true });
  const kernel = paths(release, packageName);
  if (!statSync(kernel.vmlinuz).isFile()) throw new Error(`${packageName} has no boot/vmlinuz-${release}`);
  writeFileSync(marker, `${JSON.stringify({ release, packageName }, null, 2)}\n`);
  return kernel;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const kernel = debianCloudKernel();
  console.log(
    `cloud-amd64: ${kernel.packageName} (${kernel.release}) in ${kernel.root} [${((Date.now() - started) / 1000).toFixed(1)}s]`,
  );
}
