/**
 * @initkit/kexec: the pure half of kexec. Memory ranges from /proc/iomem text, kernel image probes, the
 * ARM zImage planner that places segments exactly as kexec-tools does, kexec_file_load plans, and the
 * plan's text and JSON forms. Isomorphic: nothing from `node:` (the system calls are in ./node).
 */
export { type ArmZImagePlanInput, planArmZImage } from './arm-zimage.js';
export { editDtbForKexec, type KexecDtb } from './dtb.js';
export { KEXEC_ERROR_CODES, KexecError, type KexecErrorCode, kexecError } from './errors.js';
export { type FilePlanInput, planKexecFile } from './file-plan.js';
export { formatPlan, type KexecPlanJson, planToJson } from './format.js';
export { type Gunzip, isGzip, loadGunzip } from './gunzip.js';
export { alignDown, alignUp, type HoleRequest, locateHole, type PlacedSegment } from './hole.js';
export { MAX_MEMORY_RANGES, type MemoryRange, type MemoryRangeType, parseIomem, ramRanges, totalRam } from './iomem.js';
export {
  type ChosenPlan,
  KEXEC_ARCH_AARCH64,
  KEXEC_ARCH_ARM,
  KEXEC_ARCH_X86_64,
  KEXEC_DEBUG,
  KEXEC_FILE_NO_INITRAMFS,
  KEXEC_FILE_ON_CRASH,
  KEXEC_FILE_UNLOAD,
  KEXEC_ON_CRASH,
  KEXEC_PRESERVE_CONTEXT,
  type KexecArch,
  type KexecPlan,
  type KexecPlanBuffers,
  type KexecSegment,
  type KexecSyscall,
  type SegmentSource,
} from './plan.js';
export { type PlanKexecInput, planKexec } from './plan-kexec.js';
export {
  type KernelKind,
  type KernelProbe,
  type ProbeOptions,
  probeKernel,
  ZIMAGE_MAGIC,
  ZIMAGE_MAGIC2,
  ZIMAGE_TAG_KERNEL_SIZE,
  type ZImageInfo,
} from './probe.js';
