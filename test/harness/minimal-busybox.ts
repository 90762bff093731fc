/**
 * A minimal static busybox for the initramfs build proofs and benchmark: Debian 12's busybox source
 * package (fetched with `apt-get source --download-only` under a private apt configuration whose only
 * entry is bookworm's deb-src: the machine's apt setup is neither needed nor touched), Debian's patches
 * applied, configured with `make allnoconfig` plus exactly the applets the generated /init runs
 * (initkit's INIT_APPLETS, mapped to busybox config symbols below), built static with musl-gcc
 * (Debian's musl-tools; gcc with glibc when it is absent, about five times larger). Cached in the
 * git-ignored test/.cache/busybox/ under a hash of the configuration; `.ci/run` prefetches it with
 * `npx tsx test/harness/minimal-busybox.ts`. `without` builds a variant lacking one applet, for the
 * test that a busybox missing an applet fails the build.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { INIT_APPLETS } from '../../packages/initramfs/src/build/init-script.js';
import { privateAptOptions } from './private-apt.js';

const execFileAsync = promisify(execFile);

/** test/.cache/busybox/, ignored by git. */
export const busyboxCacheDir = fileURLToPath(new URL('../.cache/busybox/', import.meta.url));

const SOURCE =
  'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main';

/** Always on: a static binary; `od -A -t -j -N` is the full od that CONFIG_DESKTOP selects. */
const BASE_CONFIG = ['STATIC', 'LFS', 'DESKTOP'];

/**
 * The config symbols that give each applet the /init runs, with the features its options need
 * (readlink -f, mount -o/--move, ip link, findfs UUID=/LABEL= of the file systems initkit's profiles name).
 */
const APPLET_CONFIG: Readonly<Record<string, readonly string[]>> = {
  '[': ['TEST', 'TEST1'],
  cat: ['CAT'],
  echo: ['ECHO', 'FEATURE_FANCY_ECHO'],
  findfs: ['FINDFS', 'VOLUMEID', 'FEATURE_VOLUMEID_EXT', 'FEATURE_VOLUMEID_XFS', 'FEATURE_VOLUMEID_BTRFS'],
  ifconfig: ['IFCONFIG'],
  insmod: ['INSMOD'],
  ip: ['IP', 'FEATURE_IP_LINK'],
  ls: ['LS'],
  mkdir: ['MKDIR'],
  mount: ['MOUNT', 'FEATURE_MOUNT_FLAGS'],
  nc: ['NC'],
  od: ['OD'],
  printf: ['PRINTF'],
  readlink: ['READLINK', 'FEATURE_READLINK_FOLLOW'],
  route: ['ROUTE'],
  // ash with echo, printf and test built in (no fork per call) and $((...)).
  sh: [
    'SHELL_ASH',
    'ASH',
    'SH_IS_ASH',
    'ASH_OPTIMIZE_FOR_SIZE',
    'ASH_ECHO',
    'ASH_PRINTF',
    'ASH_TEST',
    'FEATURE_SH_MATH',
  ],
  switch_root: ['SWITCH_ROOT'],
  timeout: ['TIMEOUT'],
  tr: ['TR'],
  udhcpc: ['UDHCPC'],
  umount: ['UMOUNT'],
  usleep: ['USLEEP'],
};

/** The config symbols (without CONFIG_) for these applets; an applet with no mapping is an error. */
export function busyboxConfigSymbols(applets: readonly string[]): string[] {
  const symbols = new Set(BASE_CONFIG);
  for (const applet of applets) {
    const mapped = APPLET_CONFIG[applet];
    if (!mapped) throw new Error(`minimal-busybox: no busybox config symbol known for the applet ${applet}`);
    for (const symbol of mapped) symbols.add(symbol);
  }
  return [...symbols];
}

async function command(file: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, {
      cwd,
      maxBuffer: 64 << 20,
      // SOURCE_DATE_EPOCH: the banner's build date (AUTOCONF_TIMESTAMP) is fixed, so the bytes repeat.
      env: { ...process.env, LC_ALL: 'C', SOURCE_DATE_EPOCH: '0' },
    });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; stdout?: string; message: string };
    const output = `${failure.stdout ?? ''}\n${failure.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${file} ${args.join(' ')} failed: ${output || failure.message}`);
  }
}

function aptOptions(): string[] {
  return privateAptOptions(join(busyboxCacheDir, 'apt'), [SOURCE]);
}

/** Debian's busybox source tree with its patches applied, in the cache (fetched once). */
async function busyboxSource(): Promise<string> {
  const tree = join(busyboxCacheDir, 'source');
  if (existsSync(join(tree, '.initkit-patched'))) return tree;
  const downloads = join(busyboxCacheDir, 'download');
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  const options = aptOptions();
  await command('apt-get', [...options, 'update']);
  await command('apt-get', [...options, 'source', '--download-only', 'busybox'], downloads);
  const files = readdirSync(downloads);
  const orig = files.find((name) => /^busybox_[\d.]+\.orig\.tar\.(bz2|xz|gz)$/.test(name));
  const debian = files.find((name) => /^busybox_.*\.debian\.tar\.(xz|gz|bz2)$/.test(name));
  if (!orig || !debian) throw new Error(`apt-get source busybox left ${files.join(', ')} (no orig or debian tarball)`);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  await command('tar', ['-xf', join(downloads, orig), '--strip-components=1', '-C', tree]);
  await command('tar', ['-xf', join(downloads, debian), '-C', tree]);
  const series = readFileSync(join(tree, 'debian', 'patches', 'series'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
  for (const patch of series) await command('patch', ['-p1', '-s', '-i', join('debian', 'patches', patch)], tree);
  writeFileSync(join(tree, '.initkit-patched'), `${orig}\n${debian}\n${series.join('\n')}\n`);
  rmSync(downloads, { recursive: true, force: true });
  return tree;
}

/** musl-gcc needs the kernel's uapi headers (linux/, asm/, asm-generic/), which it does not search. */
async function muslArguments(): Promise<string[] | undefined> {
  const musl = await command('sh', ['-c', 'command -v musl-gcc || true']);
  if (musl.trim() === '') return undefined;
  const triplet = (await command('gcc', ['-print-multiarch'])).trim();
  const headers = join(busyboxCacheDir, 'uapi-headers');
  rmSync(headers, { recursive: true, force: true });
  mkdirSync(headers, { recursive: true });
  for (const [name, target] of [
    ['linux', '/usr/include/linux'],
    ['asm-generic', '/usr/include/asm-generic'],
    ['asm', `/usr/include/${triplet}/asm`],
  ] as const) {
    if (!existsSync(target)) throw new Error(`minimal-busybox: ${target} is missing (install linux-libc-dev)`);
    await command('ln', ['-s', target, join(headers, name)]);
  }
  return ['CC=musl-gcc', `EXTRA_CFLAGS=-isystem ${headers}`];
}

export interface MinimalBusybox {
  /** The stripped static binary. */
  path: string;
  /** The applets it was configured with (the /init's, minus `without`). */
  applets: string[];
  /** musl-gcc or gcc (glibc). */
  compiler: string;
}

/**
 * The path of a static busybox with exactly the applets the generated /init runs (all profiles), or
 * those minus `without`: fetched, configured and built on first use, cached afterwards.
 */
export async function minimalBusybox(options: { without?: string } = {}): Promise<MinimalBusybox> {
  const applets = INIT_APPLETS.filter((applet) => applet !== options.without);
  if (options.without !== undefined && applets.length === INIT_APPLETS.length)
    throw new Error(`minimal-busybox: ${options.without} is not an applet the /init runs`);
  const musl = await muslArguments();
  const compiler = musl ? 'musl-gcc' : 'gcc';
  const symbols = busyboxConfigSymbols(applets);
  const key = createHash('sha256')
    .update(`${SOURCE}\n${compiler}\nSOURCE_DATE_EPOCH=0\n${symbols.join(' ')}`)
    .digest('hex')
    .slice(0, 12);
  const directory = join(
    busyboxCacheDir,
    `${options.without === undefined ? 'minimal' : `without-${options.without}`}-${key}`,
  );
  const binary = join(directory, 'busybox');
  if (existsSync(binary)) return { path: binary, applets, compiler };

  const tree = await busyboxSource();
  const build = join(directory, 'build');
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const make = (...args: string[]) => command('make', ['-s', `O=${build}`, ...(musl ?? []), ...args], tree);
  const configPath = join(build, '.config');
  let unset: string[] = [];
  if (options.without === undefined) {
    mkdirSync(build, { recursive: true });
    await make('allnoconfig');
  } else {
    // A copy of the minimal build with the applet's own symbol unset: make rebuilds only what it touches.
    const minimal = await minimalBusybox();
    await command('cp', ['-a', join(minimal.path, '..', 'build'), build]);
    unset = [`CONFIG_${APPLET_CONFIG[options.without]![0]}`];
  }
  const wanted = new Set(symbols.map((symbol) => `CONFIG_${symbol}`));
  const config = readFileSync(configPath, 'utf8')
    .split('\n')
    .filter((line) => {
      const symbol = /^# (CONFIG_\w+) is not set$/.exec(line)?.[1] ?? /^(CONFIG_\w+)=/.exec(line)?.[1] ?? '';
      return !wanted.has(symbol) && !unset.includes(symbol);
    });
  const lines = [...[...wanted].map((symbol) => `${symbol}=y`), ...unset.map((symbol) => `# ${symbol} is not set`)];
  writeFileSync(configPath, `${config.join('\n')}\n${lines.join('\n')}\n`);
  // oldconfig asks about options the new symbols expose; the empty answers take their defaults.
  await command('sh', ['-c', `yes '' | make -s O='${build}' oldconfig >/dev/null`], tree);
  const resolved = readFileSync(configPath, 'utf8');
  const lost = [...wanted].filter((symbol) => !resolved.includes(`\n${symbol}=y\n`));
  if (lost.length > 0) throw new Error(`minimal-busybox: oldconfig dropped ${lost.join(', ')}`);
  await make('-j2', 'busybox');
  // The minimal build's objects stay for the variants; a variant's are not needed again.
  await command('cp', [join(build, 'busybox'), binary]);
  writeFileSync(join(directory, 'config'), resolved);
  if (options.without !== undefined) rmSync(build, { recursive: true, force: true });
  return { path: binary, applets, compiler };
}

/** `npx tsx test/harness/minimal-busybox.ts`: prefetch and build both variants the tests use. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const without of [undefined, 'findfs']) {
    const started = Date.now();
    const built = await minimalBusybox(without === undefined ? {} : { without });
    const size = readFileSync(built.path).length;
    console.log(
      `busybox ${without === undefined ? 'minimal' : `without ${without}`}: ${built.path} (${size} bytes, ${built.compiler}) [${((Date.now() - started) / 1000).toFixed(1)}s]`,
    );
  }
}
