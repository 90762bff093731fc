/**
 * One entry point for every architecture: planArmZImage on arm (kexec_load), planKexecFile on x86_64 and
 * arm64 (kexec_file_load, what this package loads there).
 */
import { planArmZImage } from './arm-zimage.js';
import { kexecError } from './errors.js';
import { planKexecFile } from './file-plan.js';
import type { Gunzip } from './gunzip.js';
import type { MemoryRange } from './iomem.js';
import type { KexecArch, KexecPlan, KexecSyscall } from './plan.js';

export interface PlanKexecInput {
  arch: KexecArch;
  kernel: Uint8Array;
  initrd?: Uint8Array;
  cmdline?: string;
  /** arm: the device tree to hand over. */
  dtb?: Uint8Array;
  /** arm: the memory map. */
  ranges?: readonly MemoryRange[];
  /** arm: kexec-tools' --image-size (the decompressed kernel with its bss), applied as kexec-tools does. */
  imageSize?: number;
  /** arm, without imageSize: initrd at RAM bank + 128 MiB when it fits (default) or kexec-tools' placement. */
  initrdPlacement?: 'high' | 'kexec-tools';
  /** Force a system call; by default kexec_load on arm, kexec_file_load elsewhere. */
  syscall?: KexecSyscall;
  /** arm64: the decoder for an Image.gz (`await loadGunzip()`, which loads @initkit/compress). */
  gunzip?: Gunzip;
}

export function planKexec(input: PlanKexecInput): KexecPlan {
  const syscall = input.syscall ?? (input.arch === 'arm' ? 'kexec_load' : 'kexec_file_load');
  if (input.arch === 'arm') {
    if (syscall !== 'kexec_load') {
      throw kexecError('KEXEC_UNSUPPORTED', '32-bit ARM has no kexec_file_load: use kexec_load (-c)');
    }
    if (!input.dtb)
      throw kexecError(
        'KEXEC_NO_DTB',
        'ARM needs a device tree: pass --dtb FILE (or run where /sys/firmware/fdt exists)',
      );
    if (!input.ranges) throw kexecError('KEXEC_NO_MEMORY', 'ARM planning needs the memory map (/proc/iomem)');
    return planArmZImage({
      kernel: input.kernel,
      dtb: input.dtb,
      ranges: input.ranges,
      ...(input.initrd ? { initrd: input.initrd } : {}),
      ...(input.cmdline !== undefined ? { cmdline: input.cmdline } : {}),
      ...(input.imageSize !== undefined ? { imageSize: input.imageSize } : {}),
      ...(input.initrdPlacement ? { initrdPlacement: input.initrdPlacement } : {}),
    });
  }
  if (syscall !== 'kexec_file_load') {
    throw kexecError(
      'KEXEC_UNSUPPORTED',
      `kexec_load on ${input.arch} needs a purgatory and boot-parameter builder this package does not have: use kexec_file_load (-s)`,
    );
  }
  return planKexecFile({
    arch: input.arch,
    kernel: input.kernel,
    ...(input.initrd ? { initrd: input.initrd } : {}),
    ...(input.cmdline !== undefined ? { cmdline: input.cmdline } : {}),
    ...(input.gunzip ? { gunzip: input.gunzip } : {}),
  });
}
