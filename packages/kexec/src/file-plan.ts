/**
 * Plans for kexec_file_load (x86_64 and arm64), where the running kernel itself parses the image and
 * places the segments: the plan is the kernel bytes (an arm64 Image.gz decompressed, as kexec-tools
 * does before handing it over in a memfd), the initrd, the command line (its length counts the NUL) and
 * the flags (KEXEC_FILE_NO_INITRAMFS when there is no initrd).
 */
import { kexecError } from './errors.js';
import type { Gunzip } from './gunzip.js';
import { KEXEC_FILE_NO_INITRAMFS, type KexecArch, type KexecPlan } from './plan.js';
import { probeKernel } from './probe.js';

export interface FilePlanInput {
  arch: Exclude<KexecArch, 'arm'>;
  kernel: Uint8Array;
  initrd?: Uint8Array;
  cmdline?: string;
  /** The decoder for an arm64 Image.gz (`await loadGunzip()`); without it a gzip kernel is refused. */
  gunzip?: Gunzip;
}

const WANTED = { x86_64: 'bzImage', arm64: 'arm64-Image' } as const;

export function planKexecFile(input: FilePlanInput): KexecPlan {
  const probe = probeKernel(input.kernel, input.gunzip ? { gunzip: input.gunzip } : {});
  const wanted = WANTED[input.arch];
  if (probe.kind !== wanted || probe.wrappers.includes('uImage')) {
    throw kexecError(
      'KEXEC_NOT_A_KERNEL',
      probe.kind === 'unknown'
        ? `not a kernel for ${input.arch}: ${probe.description}`
        : `not a kernel for ${input.arch}: found ${[...probe.wrappers, probe.kind].join('+')}, expected ${wanted}`,
    );
  }
  const cmdline = input.cmdline ?? '';
  return {
    arch: input.arch,
    syscall: 'kexec_file_load',
    kernelKind: [...probe.wrappers, probe.kind].join('+'),
    cmdline,
    flags: input.initrd ? 0 : KEXEC_FILE_NO_INITRAMFS,
    segments: [],
    details: {
      kernelSize: probe.kernel.length,
      initrdSize: input.initrd?.length ?? 0,
      cmdlineLength: new TextEncoder().encode(cmdline).length + 1,
    },
    buffers: { kernel: probe.kernel, ...(input.initrd ? { initrd: input.initrd } : {}) },
  };
}
