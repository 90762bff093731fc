/**
 * A kexec plan as plain data: which system call, which segments go where (kexec_load), or which files
 * and command line (kexec_file_load). Planners compute it; formatPlan/planToJson print it; the ./node
 * layer performs it. `buffers` holds the bytes the segments point into and is left out of the JSON.
 */
export type KexecArch = 'arm' | 'x86_64' | 'arm64';
export type KexecSyscall = 'kexec_load' | 'kexec_file_load';
export type SegmentSource = 'kernel' | 'initrd' | 'dtb';

export interface KexecSegment {
  /** Which buffer the bytes come from. */
  source: SegmentSource;
  /** Offset of the first byte inside that buffer. */
  offset: number;
  /** Bytes copied from the buffer (kexec_segment.bufsz). */
  bufsz: number;
  /** Physical load address (kexec_segment.mem), page-aligned. */
  mem: number;
  /** Bytes reserved at mem (kexec_segment.memsz), a multiple of the page size. */
  memsz: number;
}

/** kexec_load flags: the architecture in the high 16 bits. */
export const KEXEC_ARCH_ARM = 40 << 16;
export const KEXEC_ARCH_X86_64 = 62 << 16;
export const KEXEC_ARCH_AARCH64 = 183 << 16;
export const KEXEC_ON_CRASH = 1;
export const KEXEC_PRESERVE_CONTEXT = 2;
/** Newer kexec-tools add this under --debug; older kernels reject it. Compare flags without it. */
export const KEXEC_DEBUG = 0x10;
/** kexec_file_load flags. */
export const KEXEC_FILE_UNLOAD = 1;
export const KEXEC_FILE_ON_CRASH = 2;
export const KEXEC_FILE_NO_INITRAMFS = 4;

export interface ChosenPlan {
  bootargs?: string;
  /** linux,initrd-start and linux,initrd-end (end exclusive), as written into /chosen. */
  initrdStart?: number;
  initrdEnd?: number;
}

export interface KexecPlanBuffers {
  kernel: Uint8Array;
  initrd?: Uint8Array;
  /** The device tree as it will be loaded (/chosen edited, sized as kexec-tools sizes it). */
  dtb?: Uint8Array;
}

export interface KexecPlan {
  arch: KexecArch;
  syscall: KexecSyscall;
  /** What the kernel image was: 'zImage', 'uImage+zImage', 'bzImage', 'arm64-Image', 'gzip+arm64-Image'. */
  kernelKind: string;
  /** The command line handed to the new kernel ('' when none). */
  cmdline: string;
  /** kexec_load: the physical entry point. */
  entry?: number;
  /** kexec_load or kexec_file_load flags (the arch bits included for kexec_load). */
  flags: number;
  /** kexec_load: the segments sorted by address. */
  segments: KexecSegment[];
  /** ARM: what /chosen says in the loaded device tree. */
  chosen?: ChosenPlan;
  /** Sizes the decision was made from, shown in the text form. */
  details: Record<string, number | string>;
  buffers: KexecPlanBuffers;
}
