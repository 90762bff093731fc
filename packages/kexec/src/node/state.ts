/**
 * What the running system says about kexec, read from procfs and sysfs: whether an image is loaded,
 * the VALUE of kexec_load_disabled (a one-way switch: its existence says nothing), the command line,
 * the lockdown mode, the memory map and the device tree the boot loader passed.
 */
import { nodeFs } from '@initkit/core/node';
import { kexecError } from '../errors.js';
import { type MemoryRange, parseIomem } from '../iomem.js';
import type { KexecArch } from '../plan.js';
import {
  closeDescriptor,
  descriptorSize,
  openForReading,
  pathExists,
  readDescriptor,
  readOptionalFile,
  readWholeFile,
} from './files.js';

export const KEXEC_PATHS = {
  iomem: '/proc/iomem',
  cmdline: '/proc/cmdline',
  fdt: '/sys/firmware/fdt',
  loaded: '/sys/kernel/kexec_loaded',
  crashLoaded: '/sys/kernel/kexec_crash_loaded',
  loadDisabled: '/proc/sys/kernel/kexec_load_disabled',
  lockdown: '/sys/kernel/security/lockdown',
} as const;

export interface KexecState {
  /** /sys/kernel/kexec_loaded is 1. */
  loaded: boolean;
  /** /sys/kernel/kexec_crash_loaded is 1. */
  crashLoaded: boolean;
  /** The value of kexec_load_disabled (0 or 1), undefined when the kernel has no such file. */
  loadDisabled: number | undefined;
  /** The lockdown mode in brackets ("none", "integrity", "confidentiality"), when the LSM is there. */
  lockdown: string | undefined;
  /** /proc/cmdline without its newline. */
  cmdline: string;
  /** Whether /sys/firmware/fdt exists (ARM, arm64 and other device-tree systems). */
  hasFdt: boolean;
  /** The architecture this process runs on, as kexec names it, or undefined. */
  arch: KexecArch | undefined;
  /** Whether this process runs as root. */
  root: boolean;
}

/** The running system's kexec state; never throws for a missing file. */
export function readKexecState(): KexecState {
  const loadDisabled = readOptional(KEXEC_PATHS.loadDisabled);
  const lockdown = readOptional(KEXEC_PATHS.lockdown);
  return {
    loaded: readOptional(KEXEC_PATHS.loaded)?.trim() === '1',
    crashLoaded: readOptional(KEXEC_PATHS.crashLoaded)?.trim() === '1',
    loadDisabled: loadDisabled === undefined ? undefined : Number.parseInt(loadDisabled.trim(), 10),
    lockdown: lockdown === undefined ? undefined : /\[(\w+)\]/.exec(lockdown)?.[1],
    cmdline: (readOptional(KEXEC_PATHS.cmdline) ?? '').replace(/[\r\n].*$/s, ''),
    hasFdt: pathExists(KEXEC_PATHS.fdt),
    arch: hostArch(),
    root: typeof process.getuid === 'function' && process.getuid() === 0,
  };
}

/** process.arch as kexec names it: arm, x86_64, arm64; undefined elsewhere. */
export function hostArch(): KexecArch | undefined {
  return process.arch === 'arm'
    ? 'arm'
    : process.arch === 'x64'
      ? 'x86_64'
      : process.arch === 'arm64'
        ? 'arm64'
        : undefined;
}

/** The memory map from /proc/iomem (or another file). Unprivileged readers see zero addresses: that is an error. */
export function readMemoryRanges(path: string = KEXEC_PATHS.iomem): MemoryRange[] {
  let text: string;
  try {
    text = readWholeFile(path).toString('latin1');
  } catch (error) {
    throw kexecError('KEXEC_NO_MEMORY', `cannot read ${path}: ${(error as Error).message}`);
  }
  const ranges = parseIomem(text);
  if (ranges.length > 0 && ranges.every((range) => range.start === 0 && range.end === 0)) {
    throw kexecError('KEXEC_NO_MEMORY', `${path} shows only zero addresses`, {
      hint: 'the kernel hides them from non-root users: run as root, or pass a saved copy with --iomem FILE',
    });
  }
  if (!ranges.some((range) => range.type === 'ram')) {
    throw kexecError('KEXEC_NO_MEMORY', `${path} has no "System RAM" range`);
  }
  return ranges;
}

/** The running kernel's command line as kexec --reuse-cmdline takes it: without BOOT_IMAGE=. */
export function reusableCmdline(cmdline: string = readKexecState().cmdline): string {
  return cmdline
    .split(' ')
    .filter((word) => !word.startsWith('BOOT_IMAGE='))
    .join(' ')
    .trim();
}

/**
 * /sys/firmware/fdt: the device tree the boot loader gave the running kernel (root-only), as a buffer
 * of the file's length. Only the part the header says is used (up to the end of the strings block) is
 * read; the free space after it is left zero, which is what the kexec edit writes there anyway. sysfs
 * hands the blob out one 4 KiB page per read(2): QEMU's is 1 MiB, 256 reads, for ~10 KiB used.
 */
export function readCurrentDtb(path: string = KEXEC_PATHS.fdt): Uint8Array {
  let fd: number;
  try {
    fd = openForReading(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw kexecError('KEXEC_NO_DTB', `cannot read ${path}: ${code ?? (error as Error).message}`, {
      hint: code === 'EACCES' ? 'it is readable by root only' : 'pass --dtb FILE',
    });
  }
  try {
    const size = descriptorSize(fd);
    if (size === 0) return new Uint8Array(nodeFs().readFileSync(fd));
    const bytes = new Uint8Array(size);
    const first = readAt(fd, bytes, 0, Math.min(size, 4096));
    const used = Math.min(size, usedLength(bytes, first) ?? size);
    readAt(fd, bytes, first, used);
    // The first page read may reach past the used part: free space, zero like the rest.
    if (first > used) bytes.fill(0, used, first);
    return bytes;
  } finally {
    closeDescriptor(fd);
  }
}

/** Fills bytes[from, to) by read(2) from the current position; returns where the data ends (short at end of file). */
function readAt(fd: number, bytes: Uint8Array, from: number, to: number): number {
  let at = from;
  while (at < to) {
    const count = readDescriptor(fd, bytes, at, to - at);
    if (count === 0) break;
    at += count;
  }
  return at;
}

/**
 * Where a version 17 blob's last block ends, when its reservation map, structure and strings come in
 * that order (dtc's and libfdt's layout); undefined otherwise (the whole file is read then).
 */
function usedLength(bytes: Uint8Array, filled: number): number | undefined {
  if (filled < 40) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, filled);
  if (view.getUint32(0) !== 0xd00dfeed || view.getUint32(20) !== 17) return undefined;
  const structOffset = view.getUint32(8);
  const stringsOffset = view.getUint32(12);
  const inOrder = view.getUint32(16) < structOffset && structOffset + view.getUint32(36) <= stringsOffset;
  return inOrder ? stringsOffset + view.getUint32(32) : undefined;
}

function readOptional(path: string): string | undefined {
  return readOptionalFile(path)?.toString('latin1');
}
