/**
 * The large artefacts of the Scaleway C1 rig, built once into the git-ignored test/.cache/c1/: the
 * provider uInitrd (a Scaleway-style busybox initrd made with initkit's cpio, compress and uimage
 * libraries from Debian's armhf busybox-static, nbd-client and kexec-tools), the Debian armhf base
 * system (mmdebstrap, bookworm, systemd) and the root disk image made from it (mkfs.ext4 -d, no mount).
 * `npx tsx test/c1/prepare.ts` builds what is missing (.ci/run does it once per run).
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { encodeGzip } from '@initkit/compress';
import { CpioArchive, deviceEntry, directoryEntry, fileEntry, symlinkEntry } from '@initkit/cpio';
import { binaryClosure } from '@initkit/initramfs/node';
import { createUImage } from '@initkit/uimage';
import { armhfNode, debianArmhfPackages } from './armhf-node.js';
import { cachedDebianKernel, type DebianKernel, debianKernel } from './debian-kernels.js';

const execFileAsync = promisify(execFile);

/** test/.cache/c1/, ignored by git. */
export const c1CacheDir = fileURLToPath(new URL('../.cache/c1/', import.meta.url));
/** fixtures/c1/: the boot script and the provider initrd's scripts. */
export const c1FixturesDir = fileURLToPath(new URL('../../fixtures/c1/', import.meta.url));

/** Debian armhf packages whose files make the provider initrd's userspace (dependencies named: none followed). */
export const PROVIDER_PACKAGES = [
  'busybox-static',
  'nbd-client',
  'kexec-tools',
  'libc6',
  'libgcc-s1',
  'libgnutls30',
  'libp11-kit0',
  'libidn2-0',
  'libunistring2',
  'libtasn1-6',
  'libnettle8',
  'libhogweed6',
  'libgmp10',
  'libffi8',
  'libnl-3-200',
  'libnl-genl-3-200',
  'libxenmisc4.17',
  'libxentoollog1',
  'libxencall1',
  'libxenevtchn1',
  'libxengnttab1',
  'libxenforeignmemory1',
  'libxendevicemodel1',
  'libxentoolcore1',
];

/**
 * The provider kernel's modules the initrd loads, in order (dependencies first, as modinfo's depends
 * says on Debian 6.1 armmp): ext4 for the root, virtio-mmio and virtio-net for QEMU's virt machine, nbd.
 */
export const PROVIDER_MODULES = [
  'kernel/crypto/crc32c_generic.ko',
  'kernel/lib/crc16.ko',
  'kernel/fs/mbcache.ko',
  'kernel/fs/jbd2/jbd2.ko',
  'kernel/fs/ext4/ext4.ko',
  'kernel/net/core/failover.ko',
  'kernel/drivers/net/net_failover.ko',
  'kernel/drivers/net/virtio_net.ko',
  'kernel/drivers/virtio/virtio_mmio.ko',
  'kernel/drivers/block/nbd.ko',
];

export interface ProviderInitrdOptions {
  /** Written into /etc/provider-build (a new provider initrd differs from the old one by it). */
  build?: string;
}

/** The provider kernel (Debian's armmp package, fetched by debian-kernels.ts). */
export async function providerKernel(): Promise<DebianKernel> {
  return cachedDebianKernel('armhf') ?? (await debianKernel('armhf'));
}

/**
 * The provider packages unpacked into one sysroot. debianArmhfPackages caches a tree per package list
 * named after the list, so the list goes in groups of six to keep that name short enough for the file system.
 */
async function providerSysroot(): Promise<string> {
  const sysroot = join(c1CacheDir, 'provider-sysroot');
  if (existsSync(join(c1CacheDir, 'provider-sysroot.done'))) return sysroot;
  const partial = `${sysroot}.partial`;
  rmSync(partial, { recursive: true, force: true });
  for (let start = 0; start < PROVIDER_PACKAGES.length; start += 6) {
    const tree = await debianArmhfPackages(PROVIDER_PACKAGES.slice(start, start + 6));
    cpSync(tree.root, partial, { recursive: true, verbatimSymlinks: true, force: true });
  }
  rmSync(sysroot, { recursive: true, force: true });
  renameSync(partial, sysroot);
  writeFileSync(join(c1CacheDir, 'provider-sysroot.done'), `${PROVIDER_PACKAGES.join('\n')}\n`);
  return sysroot;
}

/** The provider uInitrd: gzip -9 newc cpio in a mkimage-style ramdisk image (arm, linux, none, 0/0, "initramfs"). */
export async function buildProviderInitrd(options: ProviderInitrdOptions = {}): Promise<Uint8Array> {
  const kernel = await providerKernel();
  const tools = { root: await providerSysroot() };
  const entries = [
    directoryEntry('dev'),
    deviceEntry('dev/console', 'char', 5, 1, 0o600),
    directoryEntry('etc'),
    directoryEntry('bin'),
    directoryEntry('sbin'),
    directoryEntry('lib'),
    directoryEntry('proc'),
    directoryEntry('sys'),
    directoryEntry('run'),
    directoryEntry('newroot'),
    fileEntry('init', readFileSync(join(c1FixturesDir, 'provider-initrd/init')), 0o755),
    fileEntry('shutdown', readFileSync(join(c1FixturesDir, 'provider-initrd/shutdown')), 0o755),
    fileEntry('etc/udhcpc.script', readFileSync(join(c1FixturesDir, 'provider-initrd/udhcpc.script')), 0o755),
    fileEntry('etc/provider-build', `${options.build ?? 'v1'}\n`),
    fileEntry('bin/busybox', readFileSync(join(tools.root, 'bin/busybox')), 0o755),
    symlinkEntry('bin/sh', 'busybox'),
  ];
  const seen = new Set(entries.map((entry) => entry.name));
  for (const [program, target] of [
    ['sbin/nbd-client', '/sbin/nbd-client'],
    ['sbin/kexec', '/sbin/kexec'],
  ] as const) {
    for (const file of binaryClosure(join(tools.root, program), target, { sysroot: tools.root })) {
      const name = file.path.replace(/^\//, '');
      const parts = name.split('/');
      for (let depth = 1; depth < parts.length; depth++) {
        const directory = parts.slice(0, depth).join('/');
        if (!seen.has(directory)) {
          seen.add(directory);
          entries.push(directoryEntry(directory));
        }
      }
      if (!seen.has(name)) {
        seen.add(name);
        entries.push(fileEntry(name, file.data, file.mode));
      }
    }
  }
  const moduleRoot = `lib/modules/${kernel.release}`;
  for (const directory of ['lib/modules', moduleRoot]) {
    if (!seen.has(directory)) entries.push(directoryEntry(directory));
  }
  for (const module of PROVIDER_MODULES) {
    const flat = module.split('/').pop()!;
    entries.push(fileEntry(`${moduleRoot}/${flat}`, readFileSync(join(kernel.modulesDir, module))));
  }
  entries.push(
    fileEntry(`${moduleRoot}/order`, `${PROVIDER_MODULES.map((module) => module.split('/').pop()).join('\n')}\n`),
  );
  const cpio = CpioArchive.from(entries.map((entry) => ({ uid: 0, gid: 0, mtime: 0, ...entry }))).serialize();
  return createUImage({
    data: encodeGzip(cpio, { level: 9 }),
    arch: 'arm',
    os: 'linux',
    type: 'ramdisk',
    compression: 'none',
    load: 0,
    entry: 0,
    name: 'initramfs',
    time: 0,
  });
}

async function command(file: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, {
      cwd: options.cwd,
      maxBuffer: 64 << 20,
      env: { ...process.env, LC_ALL: 'C' },
    });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`);
  }
}

/** qemu-user for armhf maintainer scripts: binfmt_misc mounted and qemu-arm registered (idempotent). */
export function registerQemuArmBinfmt(): void {
  const binfmt = '/proc/sys/fs/binfmt_misc';
  if (!existsSync(join(binfmt, 'register'))) {
    execFileSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', binfmt], { stdio: 'inherit' });
  }
  if (!existsSync(join(binfmt, 'qemu-arm'))) {
    writeFileSync(join(binfmt, 'register'), readFileSync('/usr/lib/binfmt.d/qemu-arm.conf', 'utf8').trim());
  }
}

/** Packages of the root disk's base system beyond minbase: systemd as init, udev, kmod, D-Bus (for systemctl kexec). */
export const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'udev', 'kmod', 'dbus', 'libstdc++6'];

/** The Debian armhf base system (a directory), built with mmdebstrap once. */
export async function baseSystem(): Promise<string> {
  const base = join(c1CacheDir, 'base');
  if (existsSync(join(c1CacheDir, 'base.done'))) return base;
  mkdirSync(c1CacheDir, { recursive: true });
  registerQemuArmBinfmt();
  const partial = join(c1CacheDir, 'base.partial');
  rmSync(partial, { recursive: true, force: true });
  await command('mmdebstrap', [
    '--mode=root',
    '--format=directory',
    '--skip=check/qemu',
    '--arch=armhf',
    '--variant=minbase',
    `--include=${BASE_PACKAGES.join(',')}`,
    // No fsync per unpacked file: the tree is a throw-away build (rebuilt whole on failure).
    '--dpkgopt=force-unsafe-io',
    '--dpkgopt=path-exclude=/usr/share/doc/*',
    '--dpkgopt=path-exclude=/usr/share/man/*',
    '--dpkgopt=path-exclude=/usr/share/locale/*',
    'bookworm',
    partial,
    'http://deb.debian.org/debian',
  ]);
  rmSync(base, { recursive: true, force: true });
  renameSync(partial, base);
  writeFileSync(join(c1CacheDir, 'base.done'), `${new Date().toISOString()}\n`);
  return base;
}

/** The app's directory (its single-file build in dist/, units in systemd/, configuration). */
const ARCHKERNEL_APP = fileURLToPath(new URL('../../apps/archkernel/', import.meta.url));

/**
 * The distribution kernel: another Debian armmp build whose release is not the provider's, the newest
 * of bookworm's 6.1.0-N-armmp packages with N below the provider's (bookworm-security keeps them).
 */
export async function distributionKernel(): Promise<{ release: string; root: string }> {
  const provider = await providerKernel();
  const abi = Number(/^6\.1\.0-(\d+)-armmp$/.exec(provider.release)?.[1]);
  if (!abi) throw new Error(`provider release ${provider.release} is not 6.1.0-N-armmp`);
  let lastError: unknown;
  for (let candidate = abi - 1; candidate >= abi - 6; candidate--) {
    const release = `6.1.0-${candidate}-armmp`;
    try {
      const tree = await debianArmhfPackages([`linux-image-${release}`]);
      return { release, root: tree.root };
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`no other 6.1 armmp kernel below ${provider.release} could be fetched: ${String(lastError)}`);
}

/** The rig's archkernel-load configuration: QEMU's virt machine has virtio-net, not mvneta; ext4 is a module. */
export const ARCHKERNEL_CONFIG = `# archkernel-load in the C1 rig (QEMU virt): the network is virtio-net on virtio-mmio, the root
# file system ext4 is a module in Debian's armmp kernels. The boot server is the default fallback.
[kernel]
modules = ["virtio_mmio", "virtio_net", "nbd", "ext4", "crc32c_generic"]
optional_modules = []

[metadata]
# Node starts slowly under TCG emulation; a request itself takes well under a second once it runs.
timeout_ms = 15000
`;

/** The rig shows archkernel-load's log on the serial console as well (the test reads its markers there). */
const ARCHKERNEL_CONSOLE_DROPIN = `[Service]
StandardOutput=journal+console
StandardError=journal+console
`;

/** Installs archkernel-load where its PKGBUILD does, with the koffi armhf build, and enables its units. */
async function installArchkernel(staging: string): Promise<void> {
  const node = await armhfNode();
  mkdirSync(join(staging, 'usr/local/bin'), { recursive: true });
  cpSync(join(node.root, 'usr/local/bin/node'), join(staging, 'usr/local/bin/node'));
  chmodSync(join(staging, 'usr/local/bin/node'), 0o755);
  // Node's libraries the base system lacks (libatomic), placed for the base's merged /usr.
  for (const file of node.files.filter((path) => /^(usr\/)?lib\//.test(path))) {
    const target = join(staging, file.startsWith('usr/') ? file : `usr/${file}`);
    if (!existsSync(target)) {
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(join(node.root, file), target, { verbatimSymlinks: true });
    }
  }
  const lib = join(staging, 'usr/lib/archkernel-load');
  mkdirSync(lib, { recursive: true });
  cpSync(join(ARCHKERNEL_APP, 'dist/archkernel-load.cjs'), join(lib, 'archkernel-load.cjs'));
  chmodSync(join(lib, 'archkernel-load.cjs'), 0o755);
  cpSync(join(ARCHKERNEL_APP, 'dist/archkernel-load-app.cjs'), join(lib, 'archkernel-load-app.cjs'));
  symlink('../lib/archkernel-load/archkernel-load.cjs', join(staging, 'usr/bin/archkernel-load'));
  const modules = join(node.root, node.globalModules);
  cpSync(join(modules, 'koffi'), join(lib, 'node_modules/koffi'), { recursive: true });
  cpSync(join(modules, '@koromix/koffi-linux-arm'), join(lib, 'node_modules/@koromix/koffi-linux-arm'), {
    recursive: true,
  });
  for (const unit of ['archkernel-load.service', 'archkernel-load-confirm.service']) {
    cpSync(join(ARCHKERNEL_APP, 'systemd', unit), join(staging, 'usr/lib/systemd/system', unit));
  }
  writeFileSync(join(staging, 'etc/archkernel-load.toml'), ARCHKERNEL_CONFIG);
  mkdirSync(join(staging, 'etc/systemd/system/archkernel-load.service.d'), { recursive: true });
  writeFileSync(join(staging, 'etc/systemd/system/archkernel-load.service.d/console.conf'), ARCHKERNEL_CONSOLE_DROPIN);
  mkdirSync(join(staging, 'var/lib/archkernel-load'), { recursive: true });
  mkdirSync(join(staging, 'var/cache/archkernel-load'), { recursive: true });
  for (const [target, unit] of [
    ['sysinit.target.wants', 'archkernel-load.service'],
    ['multi-user.target.wants', 'archkernel-load-confirm.service'],
  ] as const) {
    mkdirSync(join(staging, 'etc/systemd/system', target), { recursive: true });
    symlink(`/usr/lib/systemd/system/${unit}`, join(staging, 'etc/systemd/system', target, unit));
  }
}

/** The distribution kernel in /boot/zImage and its modules (with depmod's indexes) in /usr/lib/modules. */
async function installDistributionKernel(staging: string): Promise<string> {
  const kernel = await distributionKernel();
  cpSync(join(kernel.root, 'boot', `vmlinuz-${kernel.release}`), join(staging, 'boot/zImage'));
  cpSync(join(kernel.root, 'lib/modules', kernel.release), join(staging, 'usr/lib/modules', kernel.release), {
    recursive: true,
  });
  await command('depmod', ['-b', join(staging, 'usr'), kernel.release]);
  // What the package's pacman hook does when a kernel image is installed: record its release with the
  // image's hash (the app built for the rig, run here against the staging root).
  await command(process.execPath, [join(ARCHKERNEL_APP, 'dist/archkernel-load-app.cjs'), 'prepare', '--root', staging]);
  return kernel.release;
}

export interface RootDisk {
  /** The ext4 image nbd-server exports. */
  image: string;
}

/** A unit that reports the booted system on the console (markers the test reads), then powers off. */
const REPORT_UNIT = `[Unit]
Description=C1 rig: report the booted system on the console, then power off
After=multi-user.target archkernel-load-confirm.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/c1-report
StandardOutput=tty
TTYPath=/dev/ttyAMA0

[Install]
WantedBy=multi-user.target
`;

const REPORT_SCRIPT = `#!/bin/sh
# The C1 rig's report: what the test asserts, one marker per line, then power off.
echo "C1-REPORT: uname=$(uname -r)"
echo "C1-REPORT: cmdline=$(cat /proc/cmdline)"
echo "C1-REPORT: root=$(findmnt -n -o SOURCE /)"
echo "C1-REPORT: system=$(systemctl is-system-running)"
if command -v archkernel-load >/dev/null; then
  echo "C1-REPORT: archkernel-load condition=$(systemctl show -P ConditionResult archkernel-load.service)"
  echo "C1-REPORT: state=$(tr -d '\n' < /var/lib/archkernel-load/state.json 2>/dev/null)"
  archkernel-load status 2>&1 | sed 's/^/C1-STATUS: /'
  journalctl -b -o cat -u archkernel-load.service 2>&1 | sed 's/^/C1-JOURNAL: /'
  journalctl -b -o cat -p err -u archkernel-load.service 2>&1 | sed 's/^/C1-JOURNAL-ERR: /'
  journalctl -b -o cat -u archkernel-load-confirm.service 2>&1 | sed 's/^/C1-CONFIRM: /'
  if [ -e /etc/c1-test/reset ]; then
    archkernel-load reset 2>&1 | sed 's/^/C1-RESET: /'
    archkernel-load status 2>&1 | sed 's/^/C1-STATUS-AFTER-RESET: /'
    rm -f /etc/c1-test/reset
  fi
fi
echo "C1-REPORT: done"
systemctl --no-block poweroff
`;

export interface RootDiskOptions {
  sizeMiB?: number;
  /** The image to write (default test/.cache/c1/root.ext4, whose distribution release is recorded beside it). */
  output?: string;
  /** More Debian armhf packages unpacked into the tree (not configured; dependencies named). */
  extraPackages?: string[];
  /** Oneshot units run in multi-user before the report unit: name -> the script they run (as root). */
  extraUnits?: Record<string, string>;
  /** Units masked (e.g. archkernel-load.service on a disk that runs the app by hand). */
  masked?: string[];
  /** Host files copied in, mode kept: path on the disk -> host path (e.g. another build of the app). */
  extraFiles?: Record<string, string>;
}

/** Copies a Debian package tree into the staging root, mapping /bin, /sbin and /lib into the merged /usr. */
function mergeIntoUsr(tree: { root: string; files: string[] }, staging: string): void {
  for (const file of tree.files) {
    const merged = file.replace(/^(bin|sbin|lib)\//, 'usr/$1/');
    const target = join(staging, merged);
    if (existsSync(target)) continue;
    mkdirSync(join(target, '..'), { recursive: true });
    cpSync(join(tree.root, file), target, { verbatimSymlinks: true });
  }
}

/** A oneshot unit that runs `script` in multi-user, before the report unit powers the machine off. */
const extraUnit = (name: string) => `[Unit]
Description=C1 rig: ${name}
After=multi-user.target
Before=c1-report.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/${name}
TimeoutStartSec=infinity
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyAMA0

[Install]
WantedBy=multi-user.target
`;

/**
 * The root disk: the base system plus the rig's report unit and a serial console, as an ext4 image
 * (mkfs.ext4 -d copies the tree with its owners and modes; nothing is mounted).
 */
export async function buildRootDisk(options: RootDiskOptions = {}): Promise<RootDisk> {
  const base = await baseSystem();
  const staging = join(c1CacheDir, `${basename(options.output ?? 'root.ext4')}.staging`);
  rmSync(staging, { recursive: true, force: true });
  // cp -a keeps device nodes, owners and hard links, which fs.cpSync does not. The real path: cp -a
  // copies a symlinked cache's base as a symlink, and the staging writes would land in the shared base.
  await command('cp', ['-a', realpathSync(base), staging]);
  writeFileSync(join(staging, 'etc/hostname'), 'c1\n');
  writeFileSync(join(staging, 'etc/fstab'), '/dev/nbd0 / ext4 defaults 0 1\n');
  mkdirSync(join(staging, 'usr/local/sbin'), { recursive: true });
  writeFileSync(join(staging, 'usr/local/sbin/c1-report'), REPORT_SCRIPT);
  chmodSync(join(staging, 'usr/local/sbin/c1-report'), 0o755);
  writeFileSync(join(staging, 'etc/systemd/system/c1-report.service'), REPORT_UNIT);
  mkdirSync(join(staging, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  symlink(
    '/etc/systemd/system/c1-report.service',
    join(staging, 'etc/systemd/system/multi-user.target.wants/c1-report.service'),
  );
  // No login prompt and no network management: the provider initrd configured eth0 and the root is on it.
  for (const unit of [
    'getty@tty1.service',
    'serial-getty@ttyAMA0.service',
    'systemd-networkd.service',
    'systemd-timesyncd.service',
    'apt-daily.timer',
    'apt-daily-upgrade.timer',
    'e2scrub_reap.service',
    'systemd-logind.service',
  ]) {
    symlink('/dev/null', join(staging, 'etc/systemd/system', unit));
  }
  await installArchkernel(staging);
  const release = await installDistributionKernel(staging);
  if (options.extraPackages?.length) mergeIntoUsr(await debianArmhfPackages(options.extraPackages), staging);
  for (const [name, script] of Object.entries(options.extraUnits ?? {})) {
    writeFileSync(join(staging, 'usr/local/sbin', name), script);
    chmodSync(join(staging, 'usr/local/sbin', name), 0o755);
    writeFileSync(join(staging, 'etc/systemd/system', `${name}.service`), extraUnit(name));
    symlink(
      `/etc/systemd/system/${name}.service`,
      join(staging, 'etc/systemd/system/multi-user.target.wants', `${name}.service`),
    );
  }
  for (const unit of options.masked ?? []) symlink('/dev/null', join(staging, 'etc/systemd/system', unit));
  for (const [path, from] of Object.entries(options.extraFiles ?? {})) {
    mkdirSync(join(staging, path, '..'), { recursive: true });
    cpSync(from, join(staging, path));
  }
  if (!options.output) writeFileSync(join(c1CacheDir, 'distribution-release'), `${release}\n`);
  const image = options.output ?? join(c1CacheDir, 'root.ext4');
  const partial = `${image}.partial`;
  rmSync(partial, { force: true });
  await command('mkfs.ext4', ['-q', '-F', '-L', 'c1root', '-d', staging, partial, `${options.sizeMiB ?? 1024}M`]);
  renameSync(partial, image);
  rmSync(staging, { recursive: true, force: true });
  return { image };
}

function symlink(target: string, path: string): void {
  rmSync(path, { force: true });
  symlinkSync(target, path);
}
