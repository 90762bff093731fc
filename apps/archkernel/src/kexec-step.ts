/**
 * Loading the distribution kernel with @initkit/kexec: the kernel image, the patched initrd, the
 * running system's device tree and the new command line, planned into segments (printed, and the
 * whole plan in --json), then loaded with kexec_load when not a dry run.
 */
import { readFileSync } from 'node:fs';
import { appError } from './errors.js';
import { KERNEL_FILES, type SystemPaths } from './paths.js';

export interface KexecInput {
  kernel: string;
  initrd: string;
  dtb: string;
  cmdline: string;
}

export interface KexecSummary {
  kernel: { path: string; size: number };
  initrd: { path: string; size: number };
  dtb: { path: string; size: number };
  cmdline: string;
  /** The segments as the planner placed them. */
  segments: { kind: string; mem: string; memsz: number; bufsz: number }[];
  entry: string | undefined;
  /** The planner's own text, for the log. */
  text: string[];
}

function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw appError('ARCHKERNEL_NO_KERNEL', `cannot read the ${what} ${path}: ${(error as Error).message}`, error);
  }
}

/** Plans the load (no system call). */
export function planKexec(paths: SystemPaths, input: KexecInput): KexecSummary {
  const kernel = readInput(paths.at(input.kernel), 'kernel');
  const initrd = readInput(paths.at(input.initrd), 'patched initrd');
  const dtb = readInput(paths.at(input.dtb), 'device tree');
  readInput(paths.at(KERNEL_FILES.iomem), 'memory map');
  return {
    kernel: { path: input.kernel, size: kernel.length },
    initrd: { path: input.initrd, size: initrd.length },
    dtb: { path: input.dtb, size: dtb.length },
    cmdline: input.cmdline,
    segments: [],
    entry: undefined,
    text: [],
  };
}

/** Loads the planned kernel (kexec_load). */
export async function loadKexec(_paths: SystemPaths, _summary: KexecSummary): Promise<void> {
  throw appError('ARCHKERNEL_NO_KERNEL', '@initkit/kexec has not landed yet');
}
