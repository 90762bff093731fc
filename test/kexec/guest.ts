/**
 * Guest initrds for the kexec proofs, built with initkit's own cpio writer and gzip encoder (no shell
 * tools): a "common" member (busybox, Node, koffi, the bundled initkit CLI, /init and the stage scripts;
 * an uncompressed cpio, ~100 MB that JavaScript gzip would take long to squeeze on a busy machine) that
 * is ALSO the initrd the second kernel boots with; a gzip'd "payload" member (kexec-tools with its
 * libraries, the kernels to load); and an uncompressed member holding the common member as a file
 * (/kx/stage2.img) to hand to kexec. The first boot gets the three concatenated, which the kernel
 * unpacks in order.
 *
 * /init mounts proc, sys and devtmpfs, then sources /stage2.sh when the command line has KXSTAGE=2, else
 * /stage1.sh, prints KX-DONE and powers off. `initkit` on the guest's PATH runs the bundled CLI on the
 * guest's Node as bin/initkit.cjs's #! line would. Used by test/kexec/*.test.ts and bench/kexec.bench.ts.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  lstatSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { encode } from '@initkit/compress';
import { type CpioEntryInput, directoryEntry, fileEntry, symlinkEntry, writeCpio } from '@initkit/cpio';
import { armhfNode, debianArmhfPackages } from '../harness/armhf-node.js';
import { repoRoot } from '../harness/run.js';

/** Debian armhf packages for the parity oracle: busybox, kexec-tools and the Xen libraries its binary links. */
export const ARMHF_GUEST_PACKAGES = [
  'busybox-static',
  'kexec-tools',
  'libxenmisc4.17',
  'libext2fs2',
  'libfdt1',
  'libuuid1',
  'libxencall1',
  'libxendevicemodel1',
  'libxenevtchn1',
  'libxenforeignmemory1',
  'libxengnttab1',
  'libxenhypfs1',
  'libxenstore4',
  'libxentoolcore1',
  'libxentoollog1',
  'libyajl2',
  'zlib1g',
  'libcom-err2',
];

export const GUEST_CLI_DIR = '/usr/local/lib/node_modules/initkit';

/** A set of guest files: path in the guest -> bytes, mode, or a symlink target. */
export class GuestTree {
  private readonly entries = new Map<string, CpioEntryInput>();
  private readonly directories = new Set<string>();

  file(path: string, data: Uint8Array | string, mode = 0o644): this {
    this.parents(path);
    this.entries.set(clean(path), fileEntry(clean(path), data, mode));
    return this;
  }

  symlink(path: string, target: string): this {
    this.parents(path);
    this.entries.set(clean(path), symlinkEntry(clean(path), target));
    return this;
  }

  /** Copies a host tree (files and symlinks, modes kept) to `guestDirectory`, optionally filtered. */
  copyTree(
    hostRoot: string,
    files: readonly string[],
    guestDirectory = '/',
    keep: (file: string) => boolean = () => true,
  ): this {
    for (const file of files) {
      if (!keep(file)) continue;
      const host = join(hostRoot, file);
      const guest = join(guestDirectory, file);
      const info = lstatSync(host);
      if (info.isSymbolicLink()) this.symlink(guest, readlinkSync(host));
      else if (info.isFile()) this.file(guest, readFileSync(host), info.mode & 0o7777);
    }
    return this;
  }

  /** A newc cpio, gzip level 1 or left uncompressed (both are initramfs members the kernel takes). */
  build(compression: 'gzip' | 'none'): Uint8Array {
    const directories = [...this.directories].sort().map((directory) => directoryEntry(directory));
    const cpio = writeCpio([...directories, ...this.entries.values()]);
    return compression === 'gzip' ? encode('gzip', cpio, { level: 1 }) : cpio;
  }

  private parents(path: string): void {
    let directory = dirname(clean(path));
    while (directory !== '.' && directory !== '' && !this.directories.has(directory)) {
      this.directories.add(directory);
      directory = dirname(directory);
    }
  }
}

function clean(path: string): string {
  return path.replace(/^\/+/, '');
}

const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
export PATH=/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
export LD_LIBRARY_PATH=/lib/arm-linux-gnueabihf:/usr/lib/arm-linux-gnueabihf:/lib/x86_64-linux-gnu
echo KX-INIT-STARTED
if grep -q KXSTAGE=2 /proc/cmdline; then . /stage2.sh; else . /stage1.sh; fi
echo KX-DONE
sync
poweroff -f
`;

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/** What the common member needs besides the Node runtime: the CLI, /init, users, and the stage scripts. */
function addCommon(tree: GuestTree, stage1: string, stage2: string, nodePath: string): void {
  const cli = join(repoRoot, 'apps', 'cli');
  if (!existsSync(join(cli, 'dist', 'main.js')) || !existsSync(join(cli, 'dist', 'kexec.cjs')))
    throw new Error('apps/cli is not built: pnpm --filter "initkit..." build');
  tree.file(`${GUEST_CLI_DIR}/package.json`, readFileSync(join(cli, 'package.json')));
  tree.file(`${GUEST_CLI_DIR}/bin/initkit.cjs`, readFileSync(join(cli, 'bin', 'initkit.cjs')), 0o755);
  // The chunked ESM build (*.js) and the one-file kexec command (kexec.cjs, kexec-command.cjs).
  const dist = execFileSync(
    'find',
    [join(cli, 'dist'), '-type', 'f', '(', '-name', '*.js', '-o', '-name', '*.cjs', ')'],
    {
      encoding: 'utf8',
    },
  )
    .trim()
    .split('\n');
  for (const file of dist) tree.file(`${GUEST_CLI_DIR}/dist/${relative(join(cli, 'dist'), file)}`, readFileSync(file));
  const launch = initkitLaunch(nodePath, readFileSync(join(cli, 'bin', 'initkit.cjs'), 'utf8'));
  tree.file(
    '/usr/local/bin/initkit',
    `#!/bin/sh\nexec ${launch.join(' ')} ${GUEST_CLI_DIR}/bin/initkit.cjs "$@"\n`,
    0o755,
  );
  tree.file('/init', INIT, 0o755);
  tree.file('/etc/passwd', PASSWD);
  tree.file('/etc/group', GROUP);
  tree.file('/stage1.sh', stage1, 0o755);
  tree.file('/stage2.sh', stage2, 0o755);
  // A tiny stand-in zImage (header only): enough to reach the system call in the kexec_load_disabled case.
  const tiny = new Uint8Array(0x10000);
  const view = new DataView(tiny.buffer);
  view.setUint32(0x24, 0x016f2818, true);
  view.setUint32(0x2c, tiny.length, true);
  tree.file('/kx/tiny-zImage', tiny);
}

/**
 * The words that run a bin/initkit.cjs as its `#!/usr/bin/env -S` line does (the environment and the V8
 * flags that line sets) with the guest's Node, spelled out for busybox's env, which has no -S:
 * `env NAME=VALUE... <nodePath> <flags...>`, the script's path to follow. bench/kexec runs other builds so.
 */
export function initkitLaunch(nodePath: string, source: string): string[] {
  const line = /^#!\/usr\/bin\/env(?: -S)? (.+)\n/.exec(source)?.[1];
  const words = line?.trim().split(/\s+/) ?? [];
  const node = words.indexOf('node');
  if (node < 0) throw new Error(`bin/initkit.cjs: expected a "#!/usr/bin/env [-S] ... node ..." line, got ${line}`);
  return ['env', ...words.slice(0, node), nodePath, ...words.slice(node + 1)];
}

export interface GuestInitrds {
  /** The first boot's initrd: common + payload. */
  first: string;
  /** The common member alone: the second kernel's initrd (also in the guest at /kx/stage2.img). */
  common: string;
}

export interface ArmhfGuestInput {
  directory: string;
  stage1: string;
  stage2: string;
  /** Guest path -> bytes of extra payload files (kernels to load). */
  payload: Record<string, Uint8Array>;
  /** The guest's Node (armhfNode's version argument: bench/kexec's KEXEC_BENCH_NODE); ARMHF_NODE_VERSION if not given. */
  nodeVersion?: string;
}

/** The armhf guest: Node armv7l + koffi armhf + the CLI + busybox + Debian's kexec-tools. */
export async function buildArmhfGuest(input: ArmhfGuestInput): Promise<GuestInitrds> {
  const node = await armhfNode(input.nodeVersion);
  const debs = await debianArmhfPackages(ARMHF_GUEST_PACKAGES);
  const common = new GuestTree();
  common.copyTree(node.root, node.files);
  common.copyTree(debs.root, debs.files, '/', (file) => file === 'bin/busybox');
  addCommon(common, input.stage1, input.stage2, node.nodePath);
  const commonBytes = common.build('none');

  const payload = new GuestTree();
  payload.copyTree(debs.root, debs.files, '/', (file) => file === 'sbin/kexec' || /\.so[.0-9]*$/.test(file));
  for (const [path, bytes] of Object.entries(input.payload)) payload.file(path, bytes);
  return writeInitrds(input.directory, commonBytes, payload.build('gzip'));
}

export interface X86GuestInput {
  directory: string;
  stage1: string;
  stage2: string;
  payload: Record<string, Uint8Array>;
}

/** The x86_64 guest: this machine's own Node and its libraries, koffi's x64 build, busybox, the CLI. */
export function buildX86Guest(input: X86GuestInput): GuestInitrds {
  const common = new GuestTree();
  const nodeBinary = realpathSync(process.execPath);
  common.file('/usr/local/bin/node', readFileSync(nodeBinary), 0o755);
  for (const library of sharedLibraries(nodeBinary)) common.file(library, readFileSync(realpathSync(library)), 0o755);
  common.file('/bin/busybox', readFileSync('/bin/busybox'), 0o755);
  const koffiDir = realpathSync(join(repoRoot, 'packages', 'kexec', 'node_modules', 'koffi'));
  const koffiFiles = execFileSync('find', [koffiDir, '-type', 'f', '-not', '-path', '*/vendor/*'], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  for (const file of koffiFiles) {
    common.file(
      `/usr/local/lib/node_modules/koffi/${relative(koffiDir, file)}`,
      readFileSync(file),
      statSync(file).mode & 0o777,
    );
  }
  const prebuilt = realpathSync(join(koffiDir, '..', '@koromix', 'koffi-linux-x64'));
  for (const file of execFileSync('find', [prebuilt, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n')) {
    common.file(
      `/usr/local/lib/node_modules/@koromix/koffi-linux-x64/${relative(prebuilt, file)}`,
      readFileSync(file),
      0o755,
    );
  }
  addCommon(common, input.stage1, input.stage2, '/usr/local/bin/node');
  const commonBytes = common.build('none');
  const payload = new GuestTree();
  for (const [path, bytes] of Object.entries(input.payload)) payload.file(path, bytes);
  return writeInitrds(input.directory, commonBytes, payload.build('gzip'));
}

/** The shared libraries `binary` loads (ldd), the loader included, as absolute host paths. */
function sharedLibraries(binary: string): string[] {
  const output = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const paths = new Set<string>();
  for (const line of output.split('\n')) {
    const match = /(\/\S+)\s+\(0x/.exec(line);
    if (match) paths.add(match[1]!);
  }
  return [...paths];
}

function writeInitrds(directory: string, common: Uint8Array, payload: Uint8Array): GuestInitrds {
  const commonPath = join(directory, 'common.img');
  const firstPath = join(directory, 'first.img');
  writeFileSync(commonPath, common);
  const holder = new GuestTree().file('/kx/stage2.img', common).build('none');
  writeFileSync(firstPath, common);
  appendFileSync(firstPath, payload);
  // An uncompressed archive after a compressed one must start 4-byte aligned: the kernel skips NULs.
  appendFileSync(firstPath, new Uint8Array((4 - (payload.length % 4)) % 4));
  appendFileSync(firstPath, holder);
  return { first: firstPath, common: commonPath };
}

/** Text between `KX-BEGIN name` and `KX-END name` on the console. */
export function section(log: string, name: string): string {
  const begin = log.indexOf(`KX-BEGIN ${name}\n`);
  if (begin < 0) throw new Error(`no KX-BEGIN ${name} in the console log:\n${log.slice(-3000)}`);
  const start = begin + `KX-BEGIN ${name}\n`.length;
  const end = log.indexOf(`KX-END ${name}`, start);
  if (end < 0) throw new Error(`no KX-END ${name} in the console log:\n${log.slice(-3000)}`);
  return log.slice(start, end);
}

/** A shell fragment that prints a command's output (stderr too) and exit status between markers. */
export function shSection(name: string, command: string): string {
  return `echo "KX-BEGIN ${name}"\n${command} 2>&1\necho "KX-RC $?"\necho "KX-LOADED $(cat /sys/kernel/kexec_loaded)"\necho "KX-END ${name}"\n`;
}
