/**
 * Scaleway C1 in a box: the host side of the rig and its power button. Everything runs in a network
 * namespace of its own (so the TFTP server can own port 69, which U-Boot's tftp always uses): initkit's
 * TFTP server (`initkit tftp serve`, the real CLI) serving uboot.bootscript (compiled by `initkit
 * bootscript compile` from fixtures/c1), the provider kernel and uInitrd; Debian's nbd-server exporting
 * the root disk; the metadata server; and QEMU (-M virt, Debian's u-boot-qemu) on a user network whose
 * range is 169.254.0.0/16, so that guestfwd accepts 169.254.42.42 (libslirp only forwards addresses
 * inside the virtual network). The boot server is 10.1.31.34 (see C1_BOOT_SERVER); the guest gets its
 * address from QEMU's DHCP.
 *
 *   const rig = await C1Rig.start({ rootImage, providerInitrd });
 *   const guest = await rig.powerOn();            // U-Boot: dhcp, tftp uboot.bootscript, source
 *   await guest.waitFor('C1-REPORT: done', { timeoutMs: 600_000 });
 *   await rig.stop();
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { c1FixturesDir } from './c1-artifacts.js';
import type { MetadataState } from './c1-metadata-server.js';
import { type NbdServer, startNbdServer } from './nbd-server.js';
import { UBOOT_PROMPT, UBootSession } from './qemu-uboot.js';

/** The repository's initkit CLI (built with `pnpm --filter "initkit..." build`). */
export const INITKIT_CLI = fileURLToPath(new URL('../../apps/cli/bin/initkit.cjs', import.meta.url));
const METADATA_SERVER = fileURLToPath(new URL('./c1-metadata-server.ts', import.meta.url));

/** Addresses and ports the guest sees. */
export const C1_NETWORK = '169.254.0.0/16';
/**
 * The boot server: Scaleway's own fallback address. It is outside the virtual network, so the guest
 * routes to it through QEMU's gateway and slirp opens a real socket to it, which in the namespace is an
 * address of lo. (slirp answers port 69 on its own host address itself, "Access violation" without tftp=.)
 */
export const C1_BOOT_SERVER = '10.1.31.34';
export const C1_METADATA_ADDRESS = '169.254.42.42';
export const C1_NBD_PORT = 10809;
const METADATA_PORT = 8080;

/** Where the boot script looks for things on the TFTP server. */
export const PROVIDER_KERNEL_NAME = 'kernel/zImage-Linux-armv7l-provider';
export const providerInitrdName = (build: string) => `initrd/uInitrd-Linux-armv7l-${build}`;

export interface C1RigOptions {
  /** The root disk image (ext4) nbd-server exports as "root". */
  rootImage: string;
  /** The provider kernel (an ARM zImage). */
  providerKernel: string;
  /** The provider uInitrd and the build name it is served under. */
  providerInitrd: { build: string; image: Uint8Array };
  /** Tags of the metadata. */
  tags?: string[];
  /** Words the boot script adds to the kernel command line. */
  extraBootargs?: string;
  /**
   * Serve the root disk copy-on-write (default): nbd-server drops a client's writes when it disconnects,
   * so the image stays as built. Pass false (on a copy) when writes must survive a kexec or a power-off.
   */
  copyOnWrite?: boolean;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited(child);
  clearTimeout(timer);
}

/** Spawns a long-running process and collects its output; resolves once `ready` appears in it. */
async function startLogged(
  file: string,
  args: string[],
  ready: string,
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const deadline = Date.now() + timeoutMs;
  while (!log.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await terminate(child);
      throw new Error(`${file} ${args.join(' ')} did not become ready (${ready}): ${log.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, log: () => log };
}

export class C1Rig {
  readonly directory: string;
  readonly tftpDir: string;
  private namespace: ChildProcess | undefined;
  private tftp: { child: ChildProcess; log: () => string } | undefined;
  private metadata: { child: ChildProcess; log: () => string } | undefined;
  private nbd: NbdServer | undefined;
  private readonly statePath: string;
  private state: MetadataState;
  private guest: UBootSession | undefined;
  private extraBootargs = '';

  private constructor(directory: string) {
    this.directory = directory;
    this.tftpDir = join(directory, 'tftp');
    this.statePath = join(directory, 'metadata.json');
    this.state = { tags: [], volumeUri: `nbd://${C1_BOOT_SERVER}:${C1_NBD_PORT}/root` };
  }

  /** `nsenter` into the rig's network namespace. */
  get enter(): string[] {
    return ['nsenter', `--net=/proc/${this.namespace!.pid}/ns/net`, '--'];
  }

  static async start(options: C1RigOptions): Promise<C1Rig> {
    const rig = new C1Rig(mkdtempSync(join(tmpdir(), 'initkit-c1-')));
    try {
      await rig.startServices(options);
    } catch (error) {
      await rig.stop();
      throw error;
    }
    return rig;
  }

  private async startServices(options: C1RigOptions): Promise<void> {
    mkdirSync(join(this.tftpDir, 'kernel'), { recursive: true });
    mkdirSync(join(this.tftpDir, 'initrd'), { recursive: true });
    writeFileSync(join(this.tftpDir, PROVIDER_KERNEL_NAME), readFileSync(options.providerKernel));
    this.extraBootargs = options.extraBootargs ?? '';
    this.setProviderInitrd(options.providerInitrd.build, options.providerInitrd.image);
    this.setTags(options.tags ?? []);

    // The namespace lives as long as this process: unshare execs sh inside it, which brings lo up.
    const holder = await startLogged(
      'unshare',
      [
        '--net',
        '--',
        'sh',
        '-c',
        `ip link set lo up && ip addr add ${C1_BOOT_SERVER}/32 dev lo && echo namespace-ready && exec sleep 86400`,
      ],
      'namespace-ready',
    );
    this.namespace = holder.child;
    const [enter, ...enterArgs] = this.enter;
    this.tftp = await startLogged(
      enter!,
      [
        ...enterArgs,
        process.execPath,
        INITKIT_CLI,
        'tftp',
        'serve',
        '--address',
        C1_BOOT_SERVER,
        '--port',
        '69',
        this.tftpDir,
      ],
      'serving ',
    );
    this.metadata = await startLogged(
      enter!,
      [...enterArgs, process.execPath, '--import', 'tsx', METADATA_SERVER, String(METADATA_PORT), this.statePath],
      'METADATA listening',
    );
    this.nbd = await startNbdServer({
      image: options.rootImage,
      address: C1_BOOT_SERVER,
      port: C1_NBD_PORT,
      // Power-ons write to the disk (cache, boot-loop state); by default the image itself stays as built.
      copyOnWrite: options.copyOnWrite ?? true,
      command: this.enter,
    });
  }

  /** Serves `image` as the provider initrd `build` and points the boot script at it (compiled by initkit). */
  setProviderInitrd(build: string, image: Uint8Array): void {
    const name = providerInitrdName(build);
    writeFileSync(join(this.tftpDir, name), image);
    const text = readFileSync(join(c1FixturesDir, 'uboot.bootscript.txt'), 'utf8')
      .replaceAll('@INITRD@', name)
      .replaceAll('@EXTRA_BOOTARGS@', this.extraBootargs ? ` ${this.extraBootargs}` : '');
    const source = join(this.directory, 'uboot.bootscript.txt');
    writeFileSync(source, text);
    execFileSync(process.execPath, [
      INITKIT_CLI,
      'bootscript',
      'compile',
      source,
      '-o',
      join(this.tftpDir, 'uboot.bootscript'),
      '-n',
      'C1 rig boot script',
    ]);
  }

  setTags(tags: string[]): void {
    this.state = { ...this.state, tags };
    writeFileSync(this.statePath, JSON.stringify(this.state));
  }

  /** What initkit's TFTP server logged (one line per transfer). */
  tftpLog(): string {
    return this.tftp?.log() ?? '';
  }

  metadataLog(): string {
    return this.metadata?.log() ?? '';
  }

  /**
   * Powers the machine on: QEMU starts in the namespace, U-Boot gets an address by DHCP, fetches
   * uboot.bootscript from initkit's server and runs it. Resolves once the script has started; the caller
   * waits for markers on the returned session and for QEMU to exit (power-off, or a reset after a panic).
   */
  async powerOn(
    options: {
      onOutput?: (text: string) => void;
      memoryMiB?: number;
      /**
       * Let a reset (panic=5 after a kernel panic) restart the machine inside the same QEMU process, as a
       * real server's watchdog would, instead of ending QEMU (-no-reboot); see netbootAfterReset.
       */
      resetOnPanic?: boolean;
    } = {},
  ): Promise<UBootSession> {
    await this.guest?.close();
    // UBootSession names its own netdev (QEMU's TFTP): a wrapper swaps in the rig's network and enters
    // the namespace.
    const wrapper = join(this.directory, 'qemu-in-namespace.sh');
    // guestfwd's cmd: form spawns the bridge once per guest connection. The chardev form
    // (-tcp:127.0.0.1:PORT) connects once when QEMU starts and serves one guest connection only: the
    // provider initrd's metadata read got through, every later one (archkernel-load's kill switch from
    // Node) hung until its timeout ("metadata unreachable after 3 attempts", 98 s of the boot).
    const netdev = `user,id=net0,net=${C1_NETWORK},guestfwd=tcp:${C1_METADATA_ADDRESS}:80-cmd:busybox nc 127.0.0.1 ${METADATA_PORT}`;
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        `NETDEV='${netdev}'`,
        '# Runs qemu-system-arm in the C1 rig network namespace with the rig network instead of the given -netdev.',
        'for argument; do',
        '  shift',
        '  if [ "$swap" = 1 ]; then set -- "$@" "$NETDEV"; swap=; continue; fi',
        '  [ "$argument" = -netdev ] && swap=1',
        ...(options.resetOnPanic ? ['  [ "$argument" = -no-reboot ] && continue'] : []),
        '  set -- "$@" "$argument"',
        'done',
        `exec ${this.enter.join(' ')} qemu-system-arm "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
    const guest = await UBootSession.start({
      tftpDir: this.tftpDir,
      qemu: wrapper,
      memoryMiB: options.memoryMiB ?? 1024,
      bootTimeoutMs: 180_000,
      onOutput: (text) => {
        options.onOutput?.(text);
        // C1_SERIAL_LOG=FILE keeps every power-on's serial output (the failure message shows only its tail).
        if (process.env.C1_SERIAL_LOG) appendFileSync(process.env.C1_SERIAL_LOG, text);
      },
    });
    this.guest = guest;
    await this.netboot(guest);
    return guest;
  }

  /**
   * After a reset inside the same QEMU process (powerOn with resetOnPanic): stops U-Boot's countdown,
   * which appears after log position `from`, and netboots the boot script again.
   */
  async netbootAfterReset(guest: UBootSession, from: number, timeoutMs = 300_000): Promise<void> {
    await guest.waitFor('Hit any key to stop autoboot', { from, timeoutMs });
    guest.send(' ');
    await guest.waitFor(UBOOT_PROMPT, { timeoutMs: 60_000 });
    await this.netboot(guest);
  }

  /** At U-Boot's prompt: an address by DHCP, then uboot.bootscript from the boot server, run. */
  private async netboot(guest: UBootSession): Promise<void> {
    await guest.run('setenv autoload no', { timeoutMs: 60_000 });
    await guest.run('dhcp', { timeoutMs: 120_000 });
    await guest.run(`setenv serverip ${C1_BOOT_SERVER}`, { timeoutMs: 60_000 });
    guest.send('tftp ${scriptaddr} uboot.bootscript; source ${scriptaddr}\n');
    await guest.waitFor('C1-BOOTSCRIPT:', { timeoutMs: 120_000 });
  }

  async stop(): Promise<void> {
    await this.guest?.close();
    await this.nbd?.stop();
    await terminate(this.metadata?.child);
    await terminate(this.tftp?.child);
    await terminate(this.namespace);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
