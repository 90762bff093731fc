/**
 * Boot Debian's 32-bit ARM kernel (the armmp zImage, debianKernel('armhf')) with an initrd in
 * qemu-system-arm -M virt (TCG, one CPU: the ARM kernel kexecs only when it can stop the other CPUs),
 * and drive its serial console (the PL011, ttyAMA0, on QEMU's stdio): wait for text, type lines, keep
 * the whole log. QEMU is always ended (SIGTERM, then SIGKILL), also when a wait times out.
 *
 *   const guest = ArmLinuxSession.start({ kernel: kernel.vmlinuz, initrd });
 *   await guest.waitFor('# ');
 *   guest.send('cat /proc/cmdline');
 *   await guest.waitFor(/marker/);
 *   await guest.close();
 *
 * or in one call, like bootX86: `const boot = await bootArmLinux({ kernel, initrd, until: 'DONE' })`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { hasTools } from './tools.js';

export const DEFAULT_ARM_APPEND = 'console=ttyAMA0 panic=-1';

export interface ArmLinuxOptions {
  /** The zImage (debianKernel('armhf').vmlinuz). */
  kernel: string;
  initrd?: string;
  /** Kernel command line; `console=ttyAMA0 panic=-1` by default (QEMU exits on a panic with -no-reboot). */
  append?: string;
  /** Guest RAM in MiB (at 0x40000000 on -M virt); 1024 by default. */
  memoryMiB?: number;
  qemu?: string;
  extraArgs?: string[];
  /** Called with every chunk of console output (e.g. process.stderr.write for debugging). */
  onOutput?: (text: string) => void;
}

export interface ArmLinuxBootOptions extends ArmLinuxOptions {
  /** Stop as soon as the console shows this (after `untilSettleMs` more). */
  until?: string | RegExp;
  untilSettleMs?: number;
  timeoutMs?: number;
}

export interface ArmLinuxBootResult {
  /** Everything on the serial console (CR removed). */
  log: string;
  exitCode: number | null;
  timedOut: boolean;
  matched: boolean;
  durationMs: number;
}

/** True when qemu-system-arm is installed (throws under CI when it is missing). */
export function hasQemuArm(): boolean {
  return hasTools('qemu-system-arm');
}

interface Waiter {
  pattern: string | RegExp;
  from: number;
  resolve: (end: number) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class ArmLinuxSession {
  /** Everything the guest printed so far (CR removed). */
  log = '';
  readonly started = Date.now();
  /** Resolves with QEMU's exit code (null when ended by a signal) once it is gone. */
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;
  private waiters: Waiter[] = [];
  private done = false;
  private stderr = '';
  private killTimer: NodeJS.Timeout | undefined;
  /** Where the next waitFor starts looking (the end of the previous match). */
  private cursor = 0;

  private constructor(options: ArmLinuxOptions) {
    const args = [
      '-M',
      'virt',
      '-accel',
      'tcg',
      '-smp',
      '1',
      '-m',
      String(options.memoryMiB ?? 1024),
      '-nographic',
      '-no-reboot',
      '-kernel',
      options.kernel,
      ...(options.initrd ? ['-initrd', options.initrd] : []),
      '-append',
      options.append ?? DEFAULT_ARM_APPEND,
      '-nic',
      'none',
      ...(options.extraArgs ?? []),
    ];
    this.child = spawn(options.qemu ?? 'qemu-system-arm', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (text: string) => {
      const clean = text.replaceAll('\r', '');
      this.log += clean;
      options.onOutput?.(clean);
      this.check();
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      this.stderr += text;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.finish(new Error(`qemu-system-arm did not start: ${error.message}`));
        resolve(null);
      });
      this.child.on('close', (code) => {
        if (this.killTimer) clearTimeout(this.killTimer);
        if (this.stderr.trim() !== '') this.log += `\n[qemu stderr] ${this.stderr.trim()}\n`;
        this.finish(new Error(`QEMU exited (${code}) before the console showed what was awaited`));
        resolve(code);
      });
    });
  }

  static start(options: ArmLinuxOptions): ArmLinuxSession {
    return new ArmLinuxSession(options);
  }

  /** Waits until `pattern` appears after the previous match; rejects with the log's tail on timeout or exit. */
  waitFor(pattern: string | RegExp, timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pattern,
        from: this.cursor,
        resolve: (end) => {
          this.cursor = end;
          resolve();
        },
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)}:\n${this.log.slice(-3000)}`),
          );
        }, timeoutMs),
      };
      if (this.done) {
        clearTimeout(waiter.timer);
        const end = this.find(pattern, this.cursor);
        if (end !== undefined) waiter.resolve(end);
        else reject(new Error(`QEMU has exited; ${String(pattern)} never appeared:\n${this.log.slice(-3000)}`));
        return;
      }
      this.waiters.push(waiter);
      this.check();
    });
  }

  /** Types a line on the serial console. */
  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Ends QEMU (SIGTERM, then SIGKILL after 5 s) and waits for it. */
  async close(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      this.killTimer ??= setTimeout(() => this.child.kill('SIGKILL'), 5000);
    }
    return this.exited;
  }

  private find(pattern: string | RegExp, from: number): number | undefined {
    const text = this.log.slice(from);
    if (typeof pattern === 'string') {
      const index = text.indexOf(pattern);
      return index < 0 ? undefined : from + index + pattern.length;
    }
    const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text);
    return match ? from + match.index + match[0].length : undefined;
  }

  private check(): void {
    for (const waiter of [...this.waiters]) {
      const end = this.find(waiter.pattern, waiter.from);
      if (end === undefined) continue;
      clearTimeout(waiter.timer);
      this.waiters = this.waiters.filter((other) => other !== waiter);
      waiter.resolve(end);
    }
  }

  private finish(error: Error): void {
    this.done = true;
    this.check();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${error.message}: ${String(waiter.pattern)}\n${this.log.slice(-3000)}`));
    }
    this.waiters = [];
  }
}

/** Boots, waits for `until` (or QEMU's exit, or the timeout), and always ends QEMU. Never rejects on guest failure. */
export async function bootArmLinux(options: ArmLinuxBootOptions): Promise<ArmLinuxBootResult> {
  const session = ArmLinuxSession.start(options);
  let matched = false;
  let timedOut = false;
  try {
    if (options.until) {
      await session.waitFor(options.until, options.timeoutMs ?? 300_000).then(
        () => {
          matched = true;
        },
        (error: Error) => {
          timedOut = error.message.startsWith('timed out');
        },
      );
      if (matched) await new Promise((resolve) => setTimeout(resolve, options.untilSettleMs ?? 500));
    } else {
      const timer = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), options.timeoutMs ?? 300_000),
      );
      timedOut = (await Promise.race([session.exited, timer])) === 'timeout';
    }
  } finally {
    await session.close();
  }
  const exitCode = await session.exited;
  return { log: session.log, exitCode, timedOut, matched, durationMs: Date.now() - session.started };
}
