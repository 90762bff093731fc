/**
 * Scaleway C1 in a box, the whole chain: power-ons of one emulated C1 in sequence on one root disk
 * (a copy of the cached image, served without copy-on-write so the cache and the boot-loop state
 * survive the kexec and the power-offs).
 * 1. First boot: provider kernel -> NBD root -> systemd -> archkernel-load.service (early, before
 *    local-fs-pre.target, as installed) fetches the boot script and the provider initrd from initkit's
 *    TFTP server, injects the distribution kernel's modules, loads it and asks systemd (its private
 *    socket: the system bus is not up yet) for kexec.target -> the provider initrd's exitrd detaches NBD
 *    and jumps -> the distribution kernel boots the patched initrd, which loads the injected modules and
 *    mounts the NBD root -> multi-user with the distribution release, the markers on the command line,
 *    archkernel-load skipped and the boot confirmed.
 * 2. Second power-on: the cache hits (initkit's TFTP log shows no initrd transfer after U-Boot's) and the
 *    kexec happens without a rebuild.
 * 3. Kill switch: with the tag `archkernel_disabled` in the metadata, the system stays on the provider
 *    kernel and the journal says why. This power-on is also the provider's half of the chain on its own
 *    (U-Boot: DHCP, uboot.bootscript compiled by `initkit bootscript compile` and the provider kernel and
 *    uInitrd from `initkit tftp serve`; the provider uInitrd built with initkit: its modules, DHCP, the
 *    metadata, the NBD root, switch_root; systemd on /dev/nbd0; power-off through the exitrd, which
 *    detaches the NBD root).
 * 4. and 5. in one QEMU process (panic=5 resets the machine and U-Boot netboots again, as a watchdog
 *    would): the provider ships a new uInitrd (a different file named by the boot script) and
 *    archkernel-load notices it and rebuilds; the distribution kernel's network driver is made
 *    unloadable on the disk (debugfs), so the kexec'd kernel cannot bring up the NBD root and panics, twice;
 *    the third boot stays on the provider kernel, the journal (error priority) and `status` say why, and
 *    `archkernel-load reset` clears the guard.
 * The artefacts come from test/.cache/c1/ (`npx tsx test/c1/prepare.ts`, run by .ci/run).
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProviderInitrd, c1CacheDir, providerKernel } from '../harness/c1-artifacts.js';
import { readDiskFile, writeDiskFile } from '../harness/c1-disk.js';
import { C1_BOOT_SERVER, C1Rig, INITKIT_CLI, PROVIDER_KERNEL_NAME, providerInitrdName } from '../harness/c1-rig.js';
import { hasQemuUBoot } from '../harness/qemu-uboot.js';
import { useTempDir } from '../harness/temp.js';
import { hasTools, inCI } from '../harness/tools.js';

const cachedRoot = join(c1CacheDir, 'root.ext4');
const releasePath = join(c1CacheDir, 'distribution-release');

function ready(): boolean {
  if (!hasQemuUBoot() || !hasTools('nbd-server', 'unshare', 'nsenter', 'ip', 'busybox', 'debugfs')) return false;
  for (const [path, how] of [
    [cachedRoot, 'npx tsx test/c1/prepare.ts'],
    [releasePath, 'npx tsx test/c1/prepare.ts'],
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

/** How many times the TFTP log shows `name` read. */
function reads(log: string, name: string): number {
  return log.split('\n').filter((line) => line.startsWith(`read "${name}"`)).length;
}

interface PowerOn {
  serial: string;
  tftp: string;
  metadata: string;
  /** Host-observed seconds from archkernel-load's first console line to "kexec: ... loaded" (NaN if absent). */
  loadSeconds: number;
}

describe.runIf(ready())('Scaleway C1 in a box: archkernel-load kexecs into the distribution kernel', () => {
  const temp = useTempDir('initkit-c1-disk-');
  let rig: C1Rig | undefined;
  let rootImage = '';
  let distribution = '';
  let provider = '';

  beforeAll(async () => {
    distribution = readFileSync(releasePath, 'utf8').trim();
    const kernel = await providerKernel();
    provider = kernel.release;
    // The power-ons write to the disk (cache, boot-loop state) and must see each other's writes.
    rootImage = join(temp(), 'root.ext4');
    copyFileSync(cachedRoot, rootImage);
    rig = await C1Rig.start({
      rootImage,
      copyOnWrite: false,
      providerKernel: kernel.vmlinuz,
      providerInitrd: { build: 'v3.11.1', image: await buildProviderInitrd({ build: 'v3.11.1' }) },
    });
  }, 300_000);

  afterAll(async () => {
    await rig?.stop();
  });

  /** One power-on up to the rig's report and the power-off through the exitrd. */
  async function powerOnUntilReport(): Promise<PowerOn> {
    const tftpBefore = rig!.tftpLog().length;
    const metadataBefore = rig!.metadataLog().length;
    const seen: { start?: number; loaded?: number; report?: number } = {};
    let text = '';
    const poweredOn = performance.now();
    const guest = await rig!.powerOn({
      onOutput: (chunk) => {
        text += chunk;
        if (seen.report === undefined && /C1-REPORT: uname=/.test(text)) seen.report = performance.now();
        if (seen.start === undefined && /archkernel-load\[\d+\]|kill switch: /.test(text))
          seen.start = performance.now();
        if (seen.loaded === undefined && /kexec: \S+ loaded/.test(text)) seen.loaded = performance.now();
      },
    });
    try {
      await guest.waitFor('C1-REPORT: done', { timeoutMs: 1_500_000 });
      // The exitrd detaches the NBD root after announcing the verb: wait for the kernel's last word.
      await guest.waitFor('C1-EXITRD: verb poweroff', { timeoutMs: 300_000 });
      await guest.waitFor(/reboot: Power down/, { timeoutMs: 300_000 });
    } finally {
      await guest.close();
    }
    if (seen.report !== undefined) {
      console.log(`c1 power-on to multi-user (report unit): ${((seen.report - poweredOn) / 1000).toFixed(1)} s`);
    }
    const loadSeconds = seen.start && seen.loaded ? (seen.loaded - seen.start) / 1000 : Number.NaN;
    return {
      serial: guest.log,
      tftp: rig!.tftpLog().slice(tftpBefore),
      metadata: rig!.metadataLog().slice(metadataBefore),
      loadSeconds,
    };
  }

  it('first boot: rebuild, kexec through the exitrd, and the distribution kernel on the NBD root', async () => {
    const { serial, tftp, metadata, loadSeconds } = await powerOnUntilReport();
    console.log(`c1 first boot: archkernel-load to kexec loaded ${loadSeconds.toFixed(1)} s (host-observed, TCG)`);
    expect(distribution).not.toBe(provider);
    // Provider side, then archkernel-load's work on the provider kernel.
    expect(serial).toContain(`C1-INITRD: start: kernel ${provider}`);
    // The kill switch was read (from Node, through the metadata address) and let it proceed.
    expect(serial).toMatch(/kill switch: .*archkernel_disabled/);
    expect(metadata).toContain('METADATA GET /conf?format=json');
    expect(serial).toContain('cache: miss');
    expect(serial).toContain(`kexec: ${distribution} loaded`);
    expect(serial).toContain('systemd: kexec.target started');
    // U-Boot and archkernel-load each fetched the script and the initrd from initkit's server.
    expect(reads(tftp, 'uboot.bootscript')).toBe(2);
    expect(reads(tftp, providerInitrdName('v3.11.1'))).toBe(2);
    // systemd -> exitrd: NBD detached, then the jump.
    expect(serial).toContain('C1-EXITRD: verb kexec');
    expect(serial).toContain('C1-EXITRD: detached /dev/nbd0');
    // The distribution kernel runs the patched provider initrd with the markers.
    expect(serial).toContain(`C1-INITRD: start: kernel ${distribution}`);
    expect(serial).not.toContain('Initramfs unpacking failed');
    expect(serial).toContain(
      'C1-INITRD: variables: is_in_kexec=yes NO_SIGNAL_STATE=1 DONT_FETCH_KERNEL_MODULES=1 NO_NTPDATE=1',
    );
    expect(serial).toContain(`C1-REPORT: uname=${distribution}`);
    expect(serial).toMatch(/C1-REPORT: cmdline=.* is_in_kexec=yes NO_SIGNAL_STATE=1 .*archkernel\r?\n/);
    expect(serial).toContain('C1-REPORT: root=/dev/nbd0');
    // Not run again in the distribution kernel, and the boot confirmed.
    expect(serial).toContain('C1-REPORT: archkernel-load condition=no');
    expect(serial).toMatch(/C1-REPORT: state=.*"unconfirmed":\s*0/);
  }, 1_900_000);

  it('second power-on: the cache hits, no initrd transfer by archkernel-load, and the kexec happens', async () => {
    const { serial, tftp, loadSeconds } = await powerOnUntilReport();
    console.log(`c1 second boot (cache hit): archkernel-load to kexec loaded ${loadSeconds.toFixed(1)} s`);
    expect(serial).toContain('cache: hit');
    expect(reads(tftp, providerInitrdName('v3.11.1'))).toBe(1);
    expect(serial).toContain(`kexec: ${distribution} loaded`);
    expect(serial).toContain(`C1-REPORT: uname=${distribution}`);
  }, 1_900_000);

  it('kill switch: tagged archkernel_disabled, the provider kernel keeps running and the journal says why', async () => {
    rig!.setTags(['web', 'archkernel_disabled']);
    const { serial, tftp, metadata } = await powerOnUntilReport();
    // U-Boot fetched the script, the kernel and the initrd from initkit's server; archkernel-load nothing.
    expect(tftp).toMatch(/read "uboot\.bootscript" by .*: \d+ bytes/);
    expect(reads(tftp, PROVIDER_KERNEL_NAME)).toBe(1);
    expect(reads(tftp, 'uboot.bootscript')).toBe(1);
    expect(reads(tftp, providerInitrdName('v3.11.1'))).toBe(1);
    expect(serial).toContain(`C1-BOOTSCRIPT: provider kernel and initrd from ${C1_BOOT_SERVER}`);
    // The provider initrd: its modules, DHCP, metadata, NBD, switch_root.
    expect(serial).toContain(`C1-INITRD: start: kernel ${provider}`);
    expect(serial).toMatch(/C1-INITRD: network: eth0 169\.254\.\d+\.\d+ via DHCP/);
    expect(serial).toContain('C1-INITRD: metadata: read');
    expect(serial).toContain(`C1-INITRD: root: /dev/nbd0 attached from nbd://${C1_BOOT_SERVER}:10809/root`);
    expect(metadata).toContain('METADATA GET /conf');
    // archkernel-load ran (its condition held), read the tag through the metadata address and stopped.
    expect(metadata).toContain('METADATA GET /conf?format=json');
    expect(serial).toContain('C1-REPORT: archkernel-load condition=yes');
    expect(serial).toMatch(/C1-JOURNAL: .*kill switch: the server (is tagged|has the tag) "archkernel_disabled"/);
    // systemd on the NBD root, under the provider kernel.
    expect(serial).toContain(`C1-REPORT: uname=${provider}`);
    expect(serial).toContain('C1-REPORT: root=/dev/nbd0');
    expect(serial).toMatch(/C1-REPORT: system=(starting|running|degraded)/);
    expect(serial).not.toContain('C1-EXITRD: verb kexec');
    // Power-off went through the provider initrd's exitrd, which detached the NBD root.
    expect(serial).toContain('C1-EXITRD: verb poweroff');
    expect(serial).toContain('C1-EXITRD: detached /dev/nbd0');
  }, 1_900_000);

  it('a new provider initrd triggers a rebuild; a distribution kernel that cannot bring up the root trips the boot-loop guard after two attempts; reset re-enables', async () => {
    rig!.setTags([]);
    // The provider ships a new initrd: the boot script names another file (the cache key has the script's bytes).
    const newBuild = 'v3.12.0';
    rig!.setProviderInitrd(newBuild, await buildProviderInitrd({ build: newBuild }));
    // The distribution kernel's network driver as if built for another configuration (vermagic ARMv6, not
    // ARMv7): its kernel refuses it, so the patched initrd has no eth0 and no NBD root. The cache key names
    // modules by path and modules.dep, not their bytes, so the new initrd is what the rebuild is due to.
    const driver = `/usr/lib/modules/${distribution}/kernel/drivers/net/virtio_net.ko`;
    const module = readDiskFile(rootImage, driver);
    const magic = Buffer.from(`vermagic=${distribution} SMP mod_unload modversions ARMv7`);
    const at = module?.indexOf(magic) ?? -1;
    expect(at, `${driver} has "${magic}"`).toBeGreaterThan(0);
    module!.write('ARMv6', at + magic.length - 'ARMv7'.length);
    writeDiskFile(rootImage, driver, module!);
    // The report unit runs `archkernel-load reset` (then `status`) when this file is there.
    writeDiskFile(rootImage, '/etc/c1-test/reset', new Uint8Array());

    const tftpBefore = rig!.tftpLog().length;
    const started = performance.now();
    const guest = await rig!.powerOn({ resetOnPanic: true });
    const attempts: string[] = [];
    try {
      for (let attempt = 1; attempt <= 2; attempt++) {
        const from = guest.log.length;
        await guest.waitFor('C1-EXITRD: verb kexec', { timeoutMs: 1_200_000 });
        await guest.waitFor(`C1-INITRD: start: kernel ${distribution}`, { timeoutMs: 600_000 });
        await guest.waitFor('Kernel panic', { timeoutMs: 600_000 });
        const reset = guest.log.length;
        attempts.push(guest.log.slice(from, reset));
        console.log(
          `c1 boot-loop attempt ${attempt}: failed and reset at ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        await rig!.netbootAfterReset(guest, reset);
      }
      const from = guest.log.length;
      await guest.waitFor('C1-REPORT: done', { timeoutMs: 1_500_000 });
      await guest.waitFor(/reboot: Power down/, { timeoutMs: 300_000 });
      attempts.push(guest.log.slice(from));
    } finally {
      await guest.close();
    }
    console.log(
      `c1 boot-loop power-on (three boots in one QEMU process): ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const [first, second, third] = attempts as [string, string, string];
    const tftp = rig!.tftpLog().slice(tftpBefore);

    // The new provider initrd was noticed: a miss because the boot script changed, the new file fetched.
    expect(first).toMatch(/cache: miss: changed since the last build: boot script\b/);
    expect(first).toContain(`initrd ${providerInitrdName(newBuild)}`);
    expect(reads(tftp, providerInitrdName('v3.11.1'))).toBe(0);
    // U-Boot three times, archkernel-load once (the rebuild); the second attempt hit the new cache.
    expect(reads(tftp, providerInitrdName(newBuild))).toBe(4);
    expect(second).toContain('cache: hit');

    // Attempts 1 and 2: kexec'd, the driver refused, no root, a panic and a reset.
    for (const [index, attempt] of [first, second].entries()) {
      expect(attempt).toContain(`boot-loop guard: attempt ${index + 1} of 2 recorded`);
      expect(attempt).toContain(`kexec: ${distribution} loaded`);
      expect(attempt).toContain('C1-EXITRD: detached /dev/nbd0');
      expect(attempt).toContain(`C1-INITRD: start: kernel ${distribution}`);
      expect(attempt).toContain(
        `C1-INITRD: FATAL: no eth0 (the network driver did not load under kernel ${distribution})`,
      );
      expect(attempt).not.toContain('C1-REPORT:');
    }
    // Attempt 3: the guard stops the kexec, at error priority; the provider kernel reaches multi-user.
    expect(third).not.toContain('C1-EXITRD: verb kexec');
    expect(third).toContain(`C1-REPORT: uname=${provider}`);
    expect(third).toContain('C1-REPORT: root=/dev/nbd0');
    expect(third).toContain('C1-REPORT: archkernel-load condition=yes');
    expect(third).toMatch(/C1-JOURNAL-ERR: .*boot-loop guard: 2 kexec attempt\(s\) in a row were never confirmed/);
    expect(third).toMatch(/C1-STATUS: boot-loop guard: TRIPPED: 2 kexec attempt\(s\) in a row were never confirmed/);
    expect(third).toMatch(/C1-STATUS: .*archkernel-load reset/);
    // reset re-enables: the guard is clear and the next run would kexec again.
    expect(third).toContain('C1-RESET: boot-loop guard cleared');
    expect(third).toContain('C1-STATUS-AFTER-RESET: boot-loop guard: 0 unconfirmed attempt(s) of 2 allowed');
    const state = JSON.parse(readDiskFile(rootImage, '/var/lib/archkernel-load/state.json')!.toString('utf8'));
    expect(state).toMatchObject({ unconfirmed: 0, lastRelease: distribution });
  }, 3_600_000);
});
