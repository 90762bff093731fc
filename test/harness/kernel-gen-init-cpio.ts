/**
 * The kernel's own usr/gen_init_cpio, as an oracle for initramfs lists: Debian 12's linux-source-6.1
 * package is fetched with `apt-get download` under a private apt configuration (its own sources, lists
 * and cache: the machine's apt setup is neither needed nor touched), only usr/gen_init_cpio.c is taken
 * out of its tarball, and it is compiled with gcc. Everything is cached in the git-ignored
 * test/.cache/linux-source/; `.ci/run` prefetches it with `npx tsx test/fetch-gen-init-cpio.ts`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { privateAptOptions } from './private-apt.js';

const execFileAsync = promisify(execFile);

const SOURCES = [
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main',
];

/** test/.cache/linux-source/, ignored by git. */
export const linuxSourceCacheDir = fileURLToPath(new URL('../.cache/linux-source/', import.meta.url));

/** The compiled tool, when it has been built already (never touches the network). */
export function cachedGenInitCpio(): string | undefined {
  const binary = join(linuxSourceCacheDir, 'gen_init_cpio');
  return existsSync(binary) ? binary : undefined;
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

function aptOptions(): string[] {
  return privateAptOptions(join(linuxSourceCacheDir, 'apt'), SOURCES, 'amd64');
}

/**
 * The path of gen_init_cpio compiled from linux-source-6.1's usr/gen_init_cpio.c: fetched, extracted
 * and built on first use (a download of about 140 MB), cached afterwards.
 */
export async function kernelGenInitCpio(): Promise<string> {
  const cached = cachedGenInitCpio();
  if (cached) return cached;
  mkdirSync(linuxSourceCacheDir, { recursive: true });
  const options = aptOptions();
  await command('apt-get', [...options, 'update']).catch(() => undefined);
  const downloads = join(linuxSourceCacheDir, 'download');
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  await command('apt-get', [...options, 'download', 'linux-source-6.1'], downloads);
  const deb = readdirSync(downloads).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download linux-source-6.1 left no .deb in ${downloads}`);
  const unpacked = join(downloads, 'root');
  await command('dpkg', ['-x', join(downloads, deb), unpacked]);
  const sourceDir = join(unpacked, 'usr', 'src');
  const tarball = readdirSync(sourceDir).find((name) => /^linux-source-6\.1\.tar\.(xz|bz2|gz)$/.test(name));
  if (!tarball) throw new Error(`${deb} holds no linux-source-6.1 tarball in usr/src`);
  // Only the one file is extracted (wildcards: the tarball's top directory is linux-source-6.1/).
  await command(
    'tar',
    ['-xf', join(sourceDir, tarball), '--wildcards', '*/usr/gen_init_cpio.c', '--strip-components=2'],
    downloads,
  );
  const source = join(linuxSourceCacheDir, 'gen_init_cpio.c');
  renameSync(join(downloads, 'gen_init_cpio.c'), source);
  writeFileSync(join(linuxSourceCacheDir, 'VERSION'), `${deb}\n`);
  const partial = join(linuxSourceCacheDir, 'gen_init_cpio.partial');
  await command('gcc', ['-O2', '-o', partial, source]);
  renameSync(partial, join(linuxSourceCacheDir, 'gen_init_cpio'));
  rmSync(downloads, { recursive: true, force: true });
  return join(linuxSourceCacheDir, 'gen_init_cpio');
}
