/**
 * Scaleway C1 in a box, the provider's half of the chain: power on QEMU's virt machine with Debian's
 * U-Boot, which gets an address by DHCP and fetches uboot.bootscript (compiled by `initkit bootscript
 * compile`) from `initkit tftp serve`; the script loads Debian's armmp kernel and the Scaleway-style
 * provider uInitrd (built with initkit's cpio, compress and uimage), which loads its modules, runs DHCP,
 * reads the metadata server at 169.254.42.42, attaches the root disk from Debian's nbd-server and
 * switch_roots into systemd, which reaches multi-user on the NBD root and powers off through the
 * initrd's exitrd, which detaches the NBD root. archkernel-load is installed and enabled on the disk; the
 * boot script adds the `archkernel` marker, so its unit skips and the provider kernel keeps running.
 * The artefacts come from test/.cache/c1/ (`npx tsx test/c1/prepare.ts`, run by .ci/run).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProviderInitrd, c1CacheDir, providerKernel } from '../harness/c1-artifacts.js';
import { C1_BOOT_SERVER, C1Rig, INITKIT_CLI, PROVIDER_KERNEL_NAME, providerInitrdName } from '../harness/c1-rig.js';
import { hasQemuUBoot } from '../harness/qemu-uboot.js';
import { hasTools, inCI } from '../harness/tools.js';

const rootImage = join(c1CacheDir, 'root.ext4');

function ready(): boolean {
  if (!hasQemuUBoot() || !hasTools('nbd-server', 'unshare', 'nsenter', 'ip', 'busybox')) return false;
  for (const [path, how] of [
    [rootImage, 'npx tsx test/c1/prepare.ts'],
    [INITKIT_CLI, 'pnpm --filter "initkit..." build'],
  ] as const) {
    if (existsSync(path)) continue;
    const message = `missing ${path} (${how} makes it)`;
    if (inCI) throw new Error(`${message}; CI=true requires it`);
    console.warn(`skipping: ${message}`);
    return false;
  }
  return true;
}

describe.runIf(ready())('Scaleway C1 in a box: U-Boot to systemd on the NBD root', () => {
  let rig: C1Rig | undefined;
  let serial = '';

  beforeAll(async () => {
    const kernel = await providerKernel();
    rig = await C1Rig.start({
      rootImage,
      providerKernel: kernel.vmlinuz,
      providerInitrd: { build: 'v3.11.1', image: await buildProviderInitrd({ build: 'v3.11.1' }) },
      // archkernel-load is installed and enabled on the root disk; the `archkernel` marker (what a kexec'd
      // kernel's command line ends in) makes its unit skip, so this power-on stays on the provider kernel.
      extraBootargs: 'archkernel',
    });
  }, 300_000);

  afterAll(async () => {
    await rig?.stop();
  });

  it('boots the provider kernel and initrd from initkit, and systemd comes up on /dev/nbd0', async () => {
    const guest = await rig!.powerOn();
    try {
      await guest.waitFor('C1-REPORT: done', { timeoutMs: 1_200_000 });
      await guest.waitFor(/reboot: Power down|Power down/, { timeoutMs: 300_000 });
    } finally {
      serial = guest.log;
      await guest.close();
    }
    const kernel = await providerKernel();
    // U-Boot fetched the script, the kernel and the initrd from initkit's server.
    const transfers = rig!.tftpLog();
    expect(transfers).toMatch(/read "uboot\.bootscript" by .*: \d+ bytes/);
    expect(transfers).toContain(`read "${PROVIDER_KERNEL_NAME}"`);
    expect(transfers).toContain(`read "${providerInitrdName('v3.11.1')}"`);
    expect(serial).toContain(`C1-BOOTSCRIPT: provider kernel and initrd from ${C1_BOOT_SERVER}`);
    // The provider initrd: its modules, DHCP, metadata, NBD, switch_root.
    expect(serial).toContain(`C1-INITRD: start: kernel ${kernel.release}`);
    expect(serial).toMatch(/C1-INITRD: network: eth0 169\.254\.\d+\.\d+ via DHCP/);
    expect(serial).toContain('C1-INITRD: metadata: read');
    expect(serial).toContain(`C1-INITRD: root: /dev/nbd0 attached from nbd://${C1_BOOT_SERVER}:10809/root`);
    expect(rig!.metadataLog()).toContain('METADATA GET /conf');
    // systemd on the NBD root, under the provider kernel.
    expect(serial).toContain(`C1-REPORT: uname=${kernel.release}`);
    expect(serial).toContain('C1-REPORT: root=/dev/nbd0');
    expect(serial).toMatch(/C1-REPORT: system=(starting|running|degraded)/);
    // archkernel-load's unit was skipped by its ConditionKernelCommandLine=!archkernel.
    expect(serial).toContain('C1-REPORT: archkernel-load condition=no');
    expect(serial).not.toContain('C1-EXITRD: verb kexec');
    // Power-off went through the provider initrd's exitrd, which detached the NBD root.
    expect(serial).toContain('C1-EXITRD: verb poweroff');
    expect(serial).toContain('C1-EXITRD: detached /dev/nbd0');
  }, 1_800_000);
});
