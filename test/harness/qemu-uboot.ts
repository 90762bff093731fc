/**
 * Boot the real U-Boot (Debian's u-boot-qemu qemu_arm build) in qemu-system-arm -M virt with user-mode
 * networking and QEMU's built-in TFTP server, and drive it through the serial console: stop autoboot,
 * type commands, wait for prompts or markers, and keep the whole serial log for assertions.
 *
 *   const uboot = await UBootSession.start({ tftpDir });
 *   await uboot.run('setenv ipaddr 10.0.2.15; setenv serverip 10.0.2.2');
 *   const output = await uboot.run('tftp ${scriptaddr} boot.scr; source ${scriptaddr}');
 *   await uboot.close();
 *
 * Every wait has a timeout; a timeout or an early QEMU exit rejects with the tail of the serial log.
 * close() always ends QEMU (SIGTERM, then SIGKILL). Tests guard with `describe.runIf(hasQemuUBoot())`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasTools, inCI } from './tools.js';

/** Debian's U-Boot for QEMU's 32-bit ARM virt machine (package u-boot-qemu). */
export const QEMU_ARM_UBOOT = '/usr/lib/u-boot/qemu_arm/u-boot.bin';
/** The U-Boot prompt of the qemu_arm build (hush parser). */
export const UBOOT_PROMPT = '=> ';
/** Addresses QEMU's user-mode network gives the guest and its host-side services (TFTP, DHCP). */
export const QEMU_GUEST_IP = '10.0.2.15';
export const QEMU_HOST_IP = '10.0.2.2';

export interface UBootSessionOptions {
  /** Directory QEMU's built-in TFTP server serves (read-only). */
  tftpDir: string;
  /** File name QEMU's DHCP server offers as the boot file (U-Boot's `dhcp` then loads it). */
  bootfile?: string;
  /** U-Boot binary given to QEMU as -bios. */
  uboot?: string;
  /** QEMU binary. */
  qemu?: string;
  /** Guest RAM in MiB (the qemu_arm build puts RAM at 0x40000000). */
  memoryMiB?: number;
  /** How long to wait for the autoboot countdown, in ms. */
  bootTimeoutMs?: number;
  /** Leave autoboot alone (then wait with waitFor); by default the countdown is interrupted. */
  autoboot?: boolean;
  /** More QEMU arguments (e.g. -drive ...). */
  extraArgs?: string[];
  /** Called with every chunk of serial output (e.g. process.stderr.write for debugging). */
  onOutput?: (text: string) => void;
}

export interface WaitOptions {
  timeoutMs?: number;
}

export interface RunOptions extends WaitOptions {
  /** What ends the command's output; the prompt by default. */
  until?: string | RegExp;
}

/** True when QEMU and Debian's qemu_arm U-Boot are installed (throws under CI when missing). */
export function hasQemuUBoot(): boolean {
  if (!hasTools('qemu-system-arm')) return false;
  if (existsSync(QEMU_ARM_UBOOT)) return true;
  const message = `missing ${QEMU_ARM_UBOOT} (install u-boot-qemu as .ci/run does)`;
  if (inCI) throw new Error(`${message}; CI=true requires every oracle`);
  console.warn(`skipping: ${message}`);
  return false;
}

interface Waiter {
  pattern: string | RegExp;
  from: number;
  resolve: (match: { index: number; end: number }) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class UBootSession {
  /** Everything U-Boot printed on the serial console so far (CR removed). */
  log = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly onOutput: ((text: string) => void) | undefined;
  private waiters: Waiter[] = [];
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<void>;
  /** Log position after which the next run() looks for its output. */
  private cursor = 0;

  private constructor(child: ChildProcessWithoutNullStreams, onOutput?: (text: string) => void) {
    this.child = child;
    this.onOutput = onOutput;
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => this.receive(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => this.receive(chunk));
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        for (const waiter of this.waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(
            this.failure(`QEMU exited (code ${code}, signal ${signal}) while waiting for ${String(waiter.pattern)}`),
          );
        }
        resolve();
      });
    });
    // A spawn error (binary missing) also ends the session.
    child.on('error', (error) => this.receive(`\n[qemu-uboot harness: ${error.message}]\n`));
  }

  /** Starts QEMU and, unless `autoboot` is set, stops U-Boot's countdown and waits for the prompt. */
  static async start(options: UBootSessionOptions): Promise<UBootSession> {
    const netdev = [`user,id=net0,tftp=${options.tftpDir}`];
    if (options.bootfile) netdev.push(`bootfile=${options.bootfile}`);
    const args = [
      '-M',
      'virt',
      '-cpu',
      'cortex-a15',
      '-m',
      String(options.memoryMiB ?? 512),
      '-nodefaults',
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      'stdio',
      '-bios',
      options.uboot ?? QEMU_ARM_UBOOT,
      '-netdev',
      netdev.join(','),
      '-device',
      'virtio-net-device,netdev=net0',
      '-no-reboot',
      ...(options.extraArgs ?? []),
    ];
    const child = spawn(options.qemu ?? 'qemu-system-arm', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const session = new UBootSession(child, options.onOutput);
    if (options.autoboot) return session;
    try {
      await session.waitFor('Hit any key to stop autoboot', { timeoutMs: options.bootTimeoutMs ?? 60_000 });
      session.send(' ');
      await session.waitFor(UBOOT_PROMPT, { timeoutMs: 30_000 });
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  /** Writes raw text to the serial console. */
  send(text: string): void {
    if (this.exited) throw this.failure('QEMU has exited; cannot send input');
    this.child.stdin.write(Buffer.from(text, 'latin1'));
  }

  /**
   * Resolves with the log text from the cursor (or `from`) up to and including the first match of
   * `pattern`, and moves the cursor past it.
   */
  async waitFor(pattern: string | RegExp, options: WaitOptions & { from?: number } = {}): Promise<string> {
    const from = options.from ?? this.cursor;
    const match = await new Promise<{ index: number; end: number }>((resolve, reject) => {
      const found = this.find(pattern, from);
      if (found) return resolve(found);
      if (this.exited) return reject(this.failure(`QEMU has exited; ${String(pattern)} never appeared`));
      const timeoutMs = options.timeoutMs ?? 60_000;
      const waiter: Waiter = {
        pattern,
        from,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(this.failure(`timed out after ${timeoutMs} ms waiting for ${String(pattern)}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
    this.cursor = match.end;
    return this.log.slice(from, match.end);
  }

  /**
   * Types one command line, waits until `until` (the prompt by default) appears after it, and returns
   * what U-Boot printed in between (the echoed command line and the final prompt left out). Keep lines
   * under the build's console buffer (CONFIG_SYS_CBSIZE = 512 for qemu_arm).
   */
  async run(command: string, options: RunOptions = {}): Promise<string> {
    if (command.includes('\n')) throw new Error('run() takes one line; use several calls or a script');
    const start = this.log.length;
    this.cursor = start;
    this.send(`${command}\n`);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const echoed = await this.waitFor('\n', { timeoutMs });
    const outputStart = start + echoed.length;
    if (options.until) return (await this.waitFor(options.until, { timeoutMs, from: outputStart })).trimEnd();
    const prompt = `\n${UBOOT_PROMPT}`;
    // The echo's own newline may be the one before the prompt when the command prints nothing.
    const text = await this.waitFor(prompt, { timeoutMs, from: outputStart - 1 });
    return text.slice(1, text.length - prompt.length);
  }

  /** Ends QEMU: SIGTERM, then SIGKILL after two seconds. Safe to call more than once. */
  async close(): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!this.exited) this.child.kill('SIGKILL');
      }, 2000);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.child.stdin.destroy();
  }

  /** Whether QEMU has exited (e.g. after a kernel powered the machine off). */
  get hasExited(): boolean {
    return this.exited !== undefined;
  }

  private receive(chunk: string): void {
    const text = chunk.replace(/\r/g, '');
    this.log += text;
    this.onOutput?.(text);
    for (const waiter of [...this.waiters]) {
      const found = this.find(waiter.pattern, waiter.from);
      if (found) {
        clearTimeout(waiter.timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(found);
      }
    }
  }

  private find(pattern: string | RegExp, from: number): { index: number; end: number } | undefined {
    if (typeof pattern === 'string') {
      const index = this.log.indexOf(pattern, from);
      return index < 0 ? undefined : { index, end: index + pattern.length };
    }
    const regex = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    const match = regex.exec(this.log.slice(from));
    return match ? { index: from + match.index, end: from + match.index + match[0].length } : undefined;
  }

  private failure(message: string): Error {
    const tail = this.log.slice(-3000);
    return new Error(`${message}\n--- last serial output ---\n${tail}\n--- end ---`);
  }
}
