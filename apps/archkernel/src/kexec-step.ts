/**
 * Loading the distribution kernel with @initkit/kexec: the kernel image, the patched initrd, the
 * running system's device tree (/sys/firmware/fdt) and the new command line, planned into segments
 * exactly where kexec-tools would put them (printed; all of it in --json), then loaded with kexec_load
 * when not a dry run. The architecture comes from the kernel image: a zImage is an ARM plan, whatever
 * machine prints it.
 */
import { readFileSync } from 'node:fs';
import {
  formatPlan,
  isGzip,
  type KexecArch,
  type KexecPlan,
  loadGunzip,
  parseIomem,
  planKexec,
  planToJson,
  probeKernel,
} from '@initkit/kexec';
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
  dtb: { path: string; size: number } | undefined;
  /** The plan as JSON (segments, entry, flags, /chosen), without the buffers. */
  plan: ReturnType<typeof planToJson>;
  /** The plan as text, one line each. */
  text: string[];
}

function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw appError('ARCHKERNEL_NO_KERNEL', `cannot read the ${what} ${path}: ${(error as Error).message}`, error);
  }
}

const ARCH_OF_KIND: Record<string, KexecArch | undefined> = {
  zImage: 'arm',
  bzImage: 'x86_64',
  'arm64-Image': 'arm64',
};

/**
 * Plans the load (no system call); the plan keeps the buffers for `loadKexec`. The gzip decoder is
 * loaded only for a gzip kernel (an arm64 Image.gz): a zImage, the C1's kernel, never needs it.
 * `initrdBytes`: the initrd file's contents when the caller holds them (just written), else it is read.
 */
export async function planKexecLoad(
  paths: SystemPaths,
  input: KexecInput,
  initrdBytes?: Uint8Array,
): Promise<{ plan: KexecPlan; summary: KexecSummary }> {
  const kernel = readInput(paths.at(input.kernel), 'kernel');
  const initrd = initrdBytes ?? readInput(paths.at(input.initrd), 'patched initrd');
  const gunzip = isGzip(kernel) ? await loadGunzip() : undefined;
  const kind = probeKernel(kernel, gunzip ? { gunzip } : {}).kind;
  const arch = ARCH_OF_KIND[kind];
  if (!arch)
    throw appError('ARCHKERNEL_NO_KERNEL', `${input.kernel} is not a kernel image kexec can load (found ${kind})`);
  const dtb = arch === 'arm' ? readInput(paths.at(input.dtb), 'device tree') : undefined;
  const ranges =
    arch === 'arm' ? parseIomem(readInput(paths.at(KERNEL_FILES.iomem), 'memory map').toString()) : undefined;
  const plan = planKexec({
    arch,
    kernel,
    initrd,
    cmdline: input.cmdline,
    ...(gunzip ? { gunzip } : {}),
    ...(dtb ? { dtb } : {}),
    ...(ranges ? { ranges } : {}),
  });
  return {
    plan,
    summary: {
      kernel: { path: input.kernel, size: kernel.length },
      initrd: { path: input.initrd, size: initrd.length },
      dtb: dtb ? { path: input.dtb, size: dtb.length } : undefined,
      plan: planToJson(plan),
      text: formatPlan(plan).trimEnd().split('\n'),
    },
  };
}

/** Loads the plan (kexec_load or kexec_file_load); on failure nothing stays loaded. */
export async function loadKexec(plan: KexecPlan, paths: SystemPaths, input: KexecInput): Promise<void> {
  const { hostArch, loadPlan } = await import('@initkit/kexec/node');
  const host = hostArch();
  if (host !== plan.arch) {
    throw appError('ARCHKERNEL_NO_KERNEL', `the kernel is for ${plan.arch}, this machine is ${host ?? process.arch}`);
  }
  await loadPlan(plan, { kernelPath: paths.at(input.kernel), initrdPath: paths.at(input.initrd) });
}
