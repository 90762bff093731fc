/**
 * Boot an x86-64 Linux kernel (with an optional initrd) in qemu-system-x86_64 and collect its serial
 * console: `-nographic -no-reboot`, TCG by default, the kernel's console on ttyS0. The boot ends when
 * QEMU exits (poweroff, or a panic with panic=-1 and -no-reboot), when `until` appears on the console,
 * or at the timeout; QEMU is always ended (SIGTERM, then SIGKILL).
 *
 *   const boot = await bootX86({ kernel, initrd, until: 'MARKER' });
 *   expect(boot.log).toContain('MARKER');
 *
 * `limitConcurrency(n)` gives a gate so a test file can run several boots at once without starting more
 * QEMUs than the machine has cores for.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { hasTools } from './tools.js';

export interface BootX86Options {
  /** The kernel image (a bzImage, e.g. debianKernel('amd64').vmlinuz). */
  kernel: string;
  initrd?: string;
  /** Kernel command line; `console=ttyS0 panic=-1` by default (QEMU exits on a panic with -no-reboot). */
  append?: string;
  memoryMiB?: number;
  /** 'tcg' (the default: works everywhere, the same in CI) or 'kvm'. */
  accel?: 'tcg' | 'kvm';
  /** Stop as soon as the console shows this (after `untilSettleMs` more, to catch what follows). */
  until?: string | RegExp;
  untilSettleMs?: number;
  timeoutMs?: number;
  qemu?: string;
  extraArgs?: string[];
  /** Called with every chunk of console output (e.g. process.stderr.write for debugging). */
  onOutput?: (text: string) => void;
}

export interface BootX86Result {
  /** Everything on the serial console (CR removed). */
  log: string;
  /** QEMU's exit code, or null when it was ended by a signal (ours, after `until` or the timeout). */
  exitCode: number | null;
  timedOut: boolean;
  /** Whether `until` appeared. */
  matched: boolean;
  durationMs: number;
}

export const DEFAULT_X86_APPEND = 'console=ttyS0 panic=-1';

/** True when qemu-system-x86_64 is installed (throws under CI when it is missing). */
export function hasQemuX86(): boolean {
  return hasTools('qemu-system-x86_64');
}

function matches(log: string, pattern: string | RegExp): boolean {
  return typeof pattern === 'string' ? log.includes(pattern) : pattern.test(log);
}

/** Boots the kernel and resolves with the console log once QEMU is gone (never rejects on guest failure). */
export function bootX86(options: BootX86Options): Promise<BootX86Result> {
  const args = [
    '-nographic',
    '-no-reboot',
    '-accel',
    options.accel ?? 'tcg',
    '-m',
    String(options.memoryMiB ?? 256),
    '-kernel',
    options.kernel,
    ...(options.initrd ? ['-initrd', options.initrd] : []),
    '-append',
    options.append ?? DEFAULT_X86_APPEND,
    '-nic',
    'none',
    ...(options.extraArgs ?? []),
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(options.qemu ?? 'qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let log = '';
    let stderr = '';
    let timedOut = false;
    let matched = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), 5000);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs ?? 60_000);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (text: string) => {
      const clean = text.replaceAll('\r', '');
      log += clean;
      options.onOutput?.(clean);
      if (options.until && !matched && matches(log, options.until)) {
        matched = true;
        setTimeout(stop, options.untilSettleMs ?? 500);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (stderr.trim() !== '') log += `\n[qemu stderr] ${stderr.trim()}\n`;
      resolve({ log, exitCode: code, timedOut, matched, durationMs: Date.now() - started });
    });
  });
}

/** A gate that lets at most `count` callers run at once: `await gate(() => bootX86(...))`. */
export function limitConcurrency(
  count = Math.max(1, availableParallelism()),
): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= count) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
