/**
 * Proof that the scaleway-c1 profile's initrd boots an NBD root: Debian's armmp kernel in
 * qemu-system-arm -M virt (TCG), the /init's DHCP (udhcpc on QEMU's user network) and NBD branch
 * (root=nbd:HOST:PORT/EXPORT, Debian's armhf nbd-client added with --add-binary and its library closure
 * from a sysroot), the root served by Debian's nbd-server on the host, reaching the root's /sbin/init.
 * The real C1's NIC is mvneta (the profile loads it; no emulated board has one); -M virt's NIC is
 * virtio-net on virtio-mmio, so virtio_mmio and virtio_net are added with --add-module. One guest.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuiltInitrd, buildInitrd, resolveInitrdChain } from '@initkit/initramfs/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianArmhfPackages } from '../harness/armhf-node.js';
import { cachedDebianKernel, type DebianKernel, debianKernel } from '../harness/debian-kernels.js';
import { type NbdServer, startNbdServer } from '../harness/nbd-server.js';
import { bootArmLinux, hasQemuArm } from '../harness/qemu-arm-linux.js';
import { run } from '../harness/run.js';
import { hasTools } from '../harness/tools.js';
import { type ModuleTree, moduleTree } from '../initramfs-images.js';
import { makeRootDisk, ROOT_MARKER } from './root-disk.js';

/** Debian armhf packages holding busybox-static and nbd-client's closure (dependencies named: none followed). */
const ARMHF_PACKAGE_GROUPS = [
  ['busybox-static', 'nbd-client', 'libc6', 'libgnutls30', 'libnl-3-200', 'libnl-genl-3-200'],
  ['libp11-kit0', 'libidn2-0', 'libunistring2', 'libtasn1-6', 'libnettle8', 'libhogweed6'],
  ['libgmp10', 'libffi8', 'libgcc-s1'],
];
const BOOT_TIMEOUT_MS = 240_000;

describe.runIf(hasQemuArm() && hasTools('mke2fs', 'nbd-server', 'modprobe'))(
  'the scaleway-c1 profile boots an NBD root on the armmp kernel',
  () => {
    const work = mkdtempSync(join(tmpdir(), 'initkit-build-nbd-'));
    const initrd = join(work, 'scaleway-c1.img');
    let kernel: DebianKernel;
    let tree: ModuleTree;
    let built: BuiltInitrd;
    let server: NbdServer | undefined;

    beforeAll(async () => {
      kernel = cachedDebianKernel('armhf') ?? (await debianKernel('armhf'));
      tree = await moduleTree('armhf');
      // One sysroot: the groups keep each cached tree's name short (debianArmhfPackages names trees by list).
      const roots: string[] = [];
      for (const group of ARMHF_PACKAGE_GROUPS) roots.push((await debianArmhfPackages(group)).root);
      const sysroot = join(work, 'sysroot');
      for (const root of roots) cpSync(root, sysroot, { recursive: true, verbatimSymlinks: true, force: true });
      makeRootDisk(work, join(work, 'root.disk'), { busybox: join(sysroot, 'bin', 'busybox') });
      built = await buildInitrd({
        modules: tree.directory,
        config: join(kernel.root, 'boot', `config-${kernel.release}`),
        profiles: ['scaleway-c1'],
        addModules: ['virtio_mmio', 'virtio_net'],
        busybox: join(sysroot, 'bin', 'busybox'),
        addBinaries: [join(sysroot, 'sbin', 'nbd-client')],
        sysroot,
      });
      expect(built.plan.paths.map((path) => path.path)).toEqual(
        expect.arrayContaining(['sbin/nbd-client', 'lib/ld-linux-armhf.so.3', 'etc/initkit/udhcpc']),
      );
      expect(built.chain.modules.map((module) => module.name)).toEqual(
        expect.arrayContaining(['nbd', 'mvneta', 'phylink', 'virtio_net', 'virtio_mmio', 'ext4']),
      );
      writeFileSync(initrd, built.bytes);
      server = await startNbdServer({ image: join(work, 'root.disk'), exportName: 'root', readOnly: true });
    }, 300_000);
    afterAll(async () => {
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it("the chain is modprobe --show-depends's for the profile's and the added modules (no modprobe.d)", () => {
      const emptyConfig = join(work, 'modprobe.d');
      mkdirSync(emptyConfig, { recursive: true });
      const seen = new Set<string>();
      const expected: string[] = [];
      const missing: string[] = [];
      for (const name of ['mvneta_bm', 'mvneta', 'nbd', 'ext4', 'virtio_mmio', 'virtio_net']) {
        const result = run('modprobe', [
          '-C',
          emptyConfig,
          '-d',
          tree.root,
          '-S',
          tree.release,
          '--show-depends',
          name,
        ]);
        if (result.status !== 0) {
          missing.push(name);
          continue;
        }
        for (const line of result.stdout.split('\n').filter(Boolean)) {
          if (!seen.has(line.trim())) expected.push(line.trim());
          seen.add(line.trim());
        }
      }
      const ours = built.chain.modules.map((module) =>
        module.kind === 'insmod' ? `insmod ${tree.directory}/${module.path}` : `builtin ${module.name}`,
      );
      expect(ours).toEqual(expected);
      expect(missing).toEqual(['mvneta_bm']);
      expect(built.chain.skipped.map((module) => module.name)).toEqual(['mvneta_bm']);
    });

    it('the chain alone (what --print without -o shows) needs no busybox of the target', async () => {
      const { chain } = await resolveInitrdChain({
        modules: tree.directory,
        profiles: ['scaleway-c1'],
        addModules: ['virtio_mmio', 'virtio_net'],
      });
      expect(chain).toEqual(built.chain);
    });

    it('DHCP, then root=nbd:10.0.2.2:PORT/root attached by nbd-client, to the root /sbin/init', async () => {
      const result = await bootArmLinux({
        kernel: kernel.vmlinuz,
        initrd,
        append: `console=ttyAMA0 panic=-1 root=nbd:10.0.2.2:${server!.port}/root rootdelay=60`,
        until: ROOT_MARKER,
        timeoutMs: BOOT_TIMEOUT_MS,
        memoryMiB: 512,
        extraArgs: ['-netdev', 'user,id=net0', '-device', 'virtio-net-device,netdev=net0'],
      });
      expect(result.log).not.toContain('initkit: ERROR');
      expect(result.log).toMatch(/udhcpc: lease of 10\.0\.2\.\d+ obtained/);
      expect(result.log).toContain(`${ROOT_MARKER} /dev/nbd0 / ext4 ro`);
    }, 300_000);
  },
);
