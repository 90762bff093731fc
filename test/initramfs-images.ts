/**
 * Real initrds for the initramfs oracle tests, built once per machine into the git-ignored
 * test/.cache/initramfs/ with the distributions' own tools and the Debian 12 kernels from
 * debian-kernels.ts: Debian's mkinitramfs (zstd, with an early microcode member made the way
 * amd64-microcode's hook makes it), dracut (zstd, early microcode from a firmware directory), and a
 * Scaleway-style uInitrd (a gzip'd newc archive of a busybox tree inside a ramdisk uImage). Module
 * trees get a modules.dep from the real depmod. Safe to call from several test processes at once.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DebianArch, debianKernel } from './harness/debian-kernels.js';

export const initramfsCacheDir = fileURLToPath(new URL('./.cache/initramfs/', import.meta.url));

export interface ModuleTree {
  arch: DebianArch;
  release: string;
  /** A root holding lib/modules/<release> with depmod's files. */
  root: string;
  /** root/lib/modules/<release>. */
  directory: string;
}

export interface RealInitrd {
  name: string;
  path: string;
  /** The kernel release whose modules it holds (or is meant for). */
  release: string;
  /** The module tree it was made from (to add more modules from). */
  modules: ModuleTree;
}

function sh(script: string, cwd?: string): void {
  execFileSync('sh', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs `build` once across processes: a directory lock, then a marker file that says it is done. */
async function once<T>(name: string, read: () => T, build: () => void): Promise<T> {
  mkdirSync(initramfsCacheDir, { recursive: true });
  const marker = join(initramfsCacheDir, `${name}.done`);
  if (existsSync(marker)) return read();
  const lock = join(initramfsCacheDir, `${name}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 10 * 60_000)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (existsSync(marker)) return read();
    }
  }
  try {
    if (!existsSync(marker)) {
      build();
      writeFileSync(marker, '');
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return read();
}

/** The Debian kernel's module tree (hard-linked copy) with modules.dep from the real depmod. */
export async function moduleTree(arch: DebianArch): Promise<ModuleTree> {
  const kernel = await debianKernel(arch);
  const root = join(initramfsCacheDir, `modules-${arch}`);
  const tree = { arch, release: kernel.release, root, directory: join(root, 'lib', 'modules', kernel.release) };
  return once(
    `modules-${arch}`,
    () => tree,
    () => {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(join(root, 'lib', 'modules'), { recursive: true });
      sh(
        `cp -al ${quote(kernel.modulesDir)} ${quote(join(root, 'lib', 'modules'))}/ && depmod -b ${quote(root)} ${quote(kernel.release)}`,
      );
    },
  );
}

const MICROCODE_HOOK = `#!/bin/sh
# An early microcode member made the way amd64-microcode's hook makes it (prepend_earlyinitramfs).
PREREQ=""
prereqs() { echo "$PREREQ"; }
case "$1" in prereqs) prereqs; exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
work=$(mktemp -d)
mkdir -p "$work/kernel/x86/microcode"
printf 'initkit test microcode\\n' > "$work/kernel/x86/microcode/AuthenticAMD.bin"
(cd "$work" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$work.cpio"
prepend_earlyinitramfs "$work.cpio"
rm -rf "$work" "$work.cpio"
`;

/**
 * Debian's mkinitramfs for the amd64 kernel: zstd, MODULES=list (nbd, virtio_net), busybox, and an
 * early microcode member. mkinitramfs reads /lib/modules/<release> and /boot/config-<release>, so it
 * runs in a private mount namespace where those are bind-mounted from the cache.
 */
export async function mkinitramfsImage(): Promise<RealInitrd> {
  const modules = await moduleTree('amd64');
  const kernel = await debianKernel('amd64');
  const path = join(initramfsCacheDir, 'mkinitramfs-amd64.img');
  const result = { name: 'mkinitramfs', path, release: modules.release, modules };
  return once(
    'mkinitramfs-amd64',
    () => result,
    () => {
      const conf = join(initramfsCacheDir, 'mkinitramfs-conf');
      const boot = join(initramfsCacheDir, 'boot-amd64');
      rmSync(conf, { recursive: true, force: true });
      mkdirSync(join(conf, 'hooks'), { recursive: true });
      mkdirSync(join(conf, 'scripts'), { recursive: true });
      mkdirSync(join(conf, 'conf.d'), { recursive: true });
      mkdirSync(boot, { recursive: true });
      copyFileSync(join(kernel.root, 'boot', `config-${kernel.release}`), join(boot, `config-${kernel.release}`));
      writeFileSync(
        join(conf, 'initramfs.conf'),
        'MODULES=list\nBUSYBOX=y\nKEYMAP=n\nCOMPRESS=zstd\nRUNSIZE=10%\nFSTYPE=ext4\nRESUME=none\n',
      );
      writeFileSync(join(conf, 'modules'), 'nbd\nvirtio_net\n');
      writeFileSync(join(conf, 'hooks', 'early-microcode'), MICROCODE_HOOK);
      chmodSync(join(conf, 'hooks', 'early-microcode'), 0o755);
      // The mount points must exist; /lib/modules is absent on a machine without a kernel package.
      mkdirSync('/lib/modules', { recursive: true });
      const temporary = `${path}.tmp`;
      sh(
        `unshare -m sh -c ${quote(
          `mount --bind ${quote(join(modules.root, 'lib', 'modules'))} /lib/modules && mount --bind ${quote(boot)} /boot && ` +
            `mkinitramfs -d ${quote(conf)} -o ${quote(temporary)} ${quote(modules.release)}`,
        )}`,
      );
      renameSync(temporary, path);
    },
  );
}

/** dracut (059, from dracut-core) for the amd64 kernel: zstd, nbd and virtio_net, early microcode. */
export async function dracutImage(): Promise<RealInitrd> {
  const modules = await moduleTree('amd64');
  const path = join(initramfsCacheDir, 'dracut-amd64.img');
  const result = { name: 'dracut', path, release: modules.release, modules };
  return once(
    'dracut-amd64',
    () => result,
    () => {
      const firmware = join(initramfsCacheDir, 'dracut-firmware');
      mkdirSync(join(firmware, 'amd-ucode'), { recursive: true });
      writeFileSync(join(firmware, 'amd-ucode', 'microcode_amd_fam17h.bin'), 'initkit fake amd microcode\n');
      const temporary = `${path}.tmp`;
      sh(
        `dracut --force --quiet --no-hostonly --early-microcode --fwdir ${quote(firmware)} --kver ${quote(modules.release)} ` +
          `--kmoddir ${quote(modules.directory)} --modules base --add-drivers 'nbd virtio_net' --zstd --tmpdir /tmp ${quote(temporary)}`,
      );
      renameSync(temporary, path);
    },
  );
}

const SCALEWAY_INIT = `#!/bin/sh
# A vendor /init in the style of Scaleway's initrd: settings from the command line, then switch_root.
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
for arg in $(cat /proc/cmdline); do
  case "$arg" in is_in_kexec=*|INITRD_DEBUG=*) export "$arg" ;; esac
done
echo "vendor init"
exec switch_root /newroot /sbin/init
`;

/** A Scaleway-style uInitrd: busybox tree, gzip -9 newc, in an ARM ramdisk uImage (for armhf modules). */
export async function scalewayImage(): Promise<RealInitrd> {
  const modules = await moduleTree('armhf');
  const path = join(initramfsCacheDir, 'scaleway-uInitrd');
  const result = { name: 'scaleway', path, release: modules.release, modules };
  return once(
    'scaleway-armhf',
    () => result,
    () => {
      const tree = join(initramfsCacheDir, 'scaleway-tree');
      rmSync(tree, { recursive: true, force: true });
      for (const directory of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'newroot', 'lib/modules']) {
        mkdirSync(join(tree, directory), { recursive: true });
      }
      copyFileSync('/bin/busybox', join(tree, 'bin', 'busybox'));
      chmodSync(join(tree, 'bin', 'busybox'), 0o755);
      for (const applet of ['sh', 'mount', 'insmod', 'modprobe', 'switch_root', 'cat', 'echo']) {
        symlinkSync('busybox', join(tree, 'bin', applet));
      }
      writeFileSync(join(tree, 'init'), SCALEWAY_INIT);
      chmodSync(join(tree, 'init'), 0o755);
      writeFileSync(join(tree, 'etc', 'hostname'), 'scw-c1\n');
      const gz = join(initramfsCacheDir, 'scaleway.cpio.gz');
      sh(`find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -9 -n > ${quote(gz)}`, tree);
      const temporary = `${path}.tmp`;
      sh(`mkimage -A arm -O linux -T ramdisk -C none -a 0 -e 0 -n initramfs -d ${quote(gz)} ${quote(temporary)}`);
      renameSync(temporary, path);
      rmSync(gz, { force: true });
      rmSync(tree, { recursive: true, force: true });
    },
  );
}

/** Reads a whole file (for tests comparing bytes). */
export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
