/**
 * Proof that initkit's built initrds boot: Debian's linux-image-cloud-amd64 kernel in QEMU (TCG) with
 * an initrd from `buildInitrd` and a small ext4 root disk whose /sbin/init prints a marker and powers
 * off. virtio profile with the minimal busybox (only the applets the /init runs, built by
 * test/harness/minimal-busybox.ts): root=UUID= on virtio-blk, root=PARTUUID= (MBR) on virtio-scsi;
 * ec2-nitro with Debian's busybox-static: root=LABEL= on NVMe; a wrong root= ends in the emergency
 * message (not a hang); a profile whose module the kernel lacks fails at build time. One guest at a time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInitrd } from '@initkit/initramfs/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianCloudKernel } from '../harness/debian-cloud-kernel.js';
import { minimalBusybox } from '../harness/minimal-busybox.js';
import { bootX86, hasQemuX86 } from '../harness/qemu-x86.js';
import { hasTools } from '../harness/tools.js';
import { makeRootDisk, ROOT_MARKER } from './root-disk.js';

const UUID = '6a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
const LABEL = 'initkit-root';
const SIGNATURE = 0x1c0ffee1;
const BOOT_TIMEOUT_MS = 90_000;

describe.runIf(hasQemuX86() && hasTools('mke2fs', 'busybox'))(
  'initkit-built initrds boot the Debian cloud kernel',
  () => {
    const work = mkdtempSync(join(tmpdir(), 'initkit-build-boot-'));
    const kernel = debianCloudKernel();
    const virtioImage = join(work, 'virtio.img');
    const minimalImage = join(work, 'virtio-minimal-busybox.img');
    const nitroImage = join(work, 'nitro.img');

    beforeAll(async () => {
      makeRootDisk(work, join(work, 'uuid.disk'), { uuid: UUID });
      makeRootDisk(work, join(work, 'mbr.disk'), { mbrSignature: SIGNATURE });
      makeRootDisk(work, join(work, 'label.disk'), { label: LABEL });
      writeFileSync(virtioImage, (await buildInitrd({ modules: kernel.modulesDir, profiles: ['virtio'] })).bytes);
      writeFileSync(nitroImage, (await buildInitrd({ modules: kernel.modulesDir, profiles: ['ec2-nitro'] })).bytes);
      const busybox = (await minimalBusybox()).path;
      writeFileSync(
        minimalImage,
        (await buildInitrd({ modules: kernel.modulesDir, profiles: ['virtio'], busybox })).bytes,
      );
    }, 600_000);
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    const boot = (initrd: string, root: string, drive: string[]) =>
      bootX86({
        kernel: kernel.vmlinuz,
        initrd,
        append: `console=ttyS0 panic=-1 ${root}`,
        until: ROOT_MARKER,
        timeoutMs: BOOT_TIMEOUT_MS,
        extraArgs: drive,
      });

    it('virtio profile, minimal busybox: root=UUID= on virtio-blk', async () => {
      const result = await boot(minimalImage, `root=UUID=${UUID}`, [
        '-drive',
        `file=${join(work, 'uuid.disk')},format=raw,if=virtio`,
      ]);
      expect(result.log).toContain(`${ROOT_MARKER} /dev/vda / ext4 ro`);
    }, 120_000);

    it('virtio profile, minimal busybox: root=PARTUUID= on a virtio-scsi disk', async () => {
      const partuuid = `${SIGNATURE.toString(16).padStart(8, '0')}-01`;
      const result = await boot(minimalImage, `root=PARTUUID=${partuuid} rw`, [
        '-device',
        'virtio-scsi-pci,id=scsi0',
        '-drive',
        `file=${join(work, 'mbr.disk')},format=raw,if=none,id=scsidisk`,
        '-device',
        'scsi-hd,drive=scsidisk,bus=scsi0.0',
      ]);
      expect(result.log).toContain(`${ROOT_MARKER} /dev/sda1 / ext4 rw`);
    }, 120_000);

    it('ec2-nitro profile: root=LABEL= on an NVMe device', async () => {
      const result = await boot(nitroImage, `root=LABEL=${LABEL}`, [
        '-drive',
        `file=${join(work, 'label.disk')},format=raw,if=none,id=nv0`,
        '-device',
        'nvme,serial=initkit,drive=nv0',
      ]);
      expect(result.log).toContain(`${ROOT_MARKER} /dev/nvme0n1 / ext4 ro`);
    }, 120_000);

    it('a wrong root= ends in the emergency message, not a hang', async () => {
      const result = await bootX86({
        kernel: kernel.vmlinuz,
        initrd: virtioImage,
        append: 'console=ttyS0 panic=-1 root=UUID=00000000-0000-4000-8000-000000000000 rootdelay=3',
        until: 'initkit: starting an emergency shell',
        timeoutMs: BOOT_TIMEOUT_MS,
        extraArgs: ['-drive', `file=${join(work, 'uuid.disk')},format=raw,if=virtio`],
      });
      expect(result.timedOut).toBe(false);
      expect(result.log).toContain(
        'initkit: ERROR: root device UUID=00000000-0000-4000-8000-000000000000 did not appear within 3s',
      );
      expect(result.log).not.toContain(ROOT_MARKER);
    }, 120_000);

    it('a profile on a kernel lacking one of its modules fails at build time, naming the chain', async () => {
      await expect(buildInitrd({ modules: kernel.modulesDir, profiles: ['scaleway-c1'] })).rejects.toMatchObject({
        code: 'INITRAMFS_MODULE_NOT_FOUND',
        message: expect.stringMatching(/profile scaleway-c1 line \d+: module mvneta \(.*\): the kernel has no module/),
      });
    });
  },
);
