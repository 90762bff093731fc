/**
 * The ARM zImage planner: kernel, initrd and device tree placed exactly where kexec-tools 2.0.25's
 * zImage loader puts them (kexec/arch/arm/kexec-zImage-arm.c, zImage_arm_load, with locate_hole and
 * add_segment from kexec/kexec.c), for the same memory map and files:
 *   L = the zImage's own length (end - start; an appended DTB is dropped), len = L + 0x11000
 *   image size = KLSZ ? max(edata + bss, edata + len) : len * 5
 *     (kexec-tools' rule; the default here adds room for the relocated decompressor, see below)
 *   base = first hole of len + 0x8000 bytes; kernel at base + 0x8000 (= entry)
 *   initrd = first hole of its size at or above kernel + ALIGN(image size, page)
 *   dtb = first hole of its length at or above ALIGN_DOWN(initrd end + page, page)
 *   segments: initrd, dtb, then the kernel (bufsz L, memsz L + 4), each memsz rounded up to pages,
 *   then sorted by address. flags = KEXEC_ARCH_ARM.
 *
 * One deliberate difference by default (initrdPlacement 'high'): the initrd (and so the DTB above it)
 * goes at or above 128 MiB from the start of the kernel's 128 MiB-aligned RAM bank, the "safe location"
 * of Documentation/arch/arm/booting.rst, where QEMU's loader puts them too, when RAM has room there
 * (else where kexec-tools would, plus DECOMPRESSOR_SLACK). Measured in QEMU with Debian 6.1's armmp
 * zImage (edata 0x13a12a8, zImage 0x537200): an initrd at kernel + 0x18ea000 (kexec-tools' default)
 * and at kernel + 0x1a00000 came up as "Initramfs unpacking failed: invalid magic" in the second
 * kernel, one at kernel + 0x2000000 unpacked; the relocated decompressor alone (edata + zImage + its
 * 0x11000 of stack and heap) ends below both failing addresses, so the margin is not a computed one.
 * An explicit imageSize, or initrdPlacement 'kexec-tools', gives kexec-tools' placement exactly (its
 * parity tests use that).
 */

import { editDtbForKexec } from './dtb.js';
import { kexecError } from './errors.js';
import { alignDown, alignUp, locateHole, type PlacedSegment } from './hole.js';
import type { MemoryRange } from './iomem.js';
import { type ChosenPlan, KEXEC_ARCH_ARM, type KexecPlan, type KexecSegment, type SegmentSource } from './plan.js';
import { probeKernel } from './probe.js';

export interface ArmZImagePlanInput {
  /** The kernel file: a zImage, or a zImage in an uncompressed ARM kernel uImage. */
  kernel: Uint8Array;
  initrd?: Uint8Array;
  /** The new kernel's command line; when absent, the device tree's bootargs stay as they are. */
  cmdline?: string;
  /** The device tree to hand over (--dtb FILE, or /sys/firmware/fdt). */
  dtb: Uint8Array;
  /** The memory map (parseIomem of /proc/iomem). */
  ranges: readonly MemoryRange[];
  /**
   * kexec-tools' --image-size: the room above the kernel, raised to what KLSZ says, exactly as
   * kexec-tools does (no decompressor slack added: the caller chose).
   */
  imageSize?: number;
  /**
   * Without imageSize: 'high' (default) puts the initrd at or above RAM bank + 128 MiB when it fits;
   * 'kexec-tools' places it where kexec-tools 2.0.25 does by default.
   */
  initrdPlacement?: 'high' | 'kexec-tools';
  /** getpagesize(); 4096 on every ARM Linux. */
  pageSize?: number;
}

/** zImage stack (4 KiB) and malloc space (64 KiB), which its length does not include. */
const ZIMAGE_RUNTIME_BYTES = 0x11000;
/** TEXT_OFFSET: the kernel goes 32 KiB above the start of its hole. */
const TEXT_OFFSET = 0x8000;
/** unsigned long on arm32. */
const ULONG_MAX = 0xffffffff;
/** Room beyond kexec-tools' image size when RAM has no room at bank + 128 MiB. */
const DECOMPRESSOR_SLACK = 0x800000;
const MIB = 0x100000;
/** The kernel finds its RAM bank by rounding its own address down to 128 MiB (AUTO_ZRELADDR). */
const BANK = 0x8000000;
/** booting.rst's safe distance from the start of RAM for the DTB and initrd. */
const SAFE_OFFSET = 0x8000000;

export function planArmZImage(input: ArmZImagePlanInput): KexecPlan {
  const pageSize = input.pageSize ?? 4096;
  const probe = probeKernel(input.kernel);
  if (probe.kind !== 'zImage' || probe.wrappers.includes('gzip')) {
    throw kexecError(
      'KEXEC_NOT_A_KERNEL',
      probe.kind === 'unknown'
        ? `not an ARM zImage: ${probe.description}`
        : `not an ARM zImage: found ${[...probe.wrappers, probe.kind].join('+')}`,
    );
  }
  const zImage = probe.zImage!;
  const kernelOffset = input.kernel.length - probe.kernel.length;
  const kernelBufSize = zImage.size;
  const kernelMemSize = zImage.size + 4;
  const length = zImage.size + ZIMAGE_RUNTIME_BYTES;

  let imageSize = input.imageSize ?? 0;
  if (zImage.sizeTag) {
    let kernelSize = (zImage.sizeTag.dataSize + zImage.sizeTag.bssSize) >>> 0;
    if (kernelSize < zImage.sizeTag.dataSize + length) kernelSize = zImage.sizeTag.dataSize + length;
    if (imageSize === 0 || imageSize < kernelSize) imageSize = kernelSize;
  }
  // Without KLSZ the decompressed size is unknown: kexec-tools' five times the zImage covers a 4:1
  // compression ratio plus the relocated copy.
  if (imageSize === 0) imageSize = length * 5;

  const placed: Array<KexecSegment> = [];
  const place = (source: SegmentSource, offset: number, bufsz: number, mem: number, memsz: number) => {
    if (memsz === 0) return;
    placed.push({ source, offset, bufsz: Math.min(bufsz, memsz), mem, memsz: alignUp(memsz, pageSize) });
  };
  const hole = (what: string, size: number, min: number) => {
    const found = locateHole(input.ranges, placed as PlacedSegment[], {
      size,
      align: pageSize,
      min,
      max: ULONG_MAX,
      pageSize,
    });
    if (found === undefined) {
      throw kexecError(
        'KEXEC_NO_HOLE',
        `no free RAM range of ${hex(size)} bytes at or above ${hex(min)} for the ${what} (RAM: ${describeRam(input.ranges)})`,
      );
    }
    return found;
  };

  if (!input.ranges.some((range) => range.type === 'ram')) {
    throw kexecError('KEXEC_NO_MEMORY', 'the memory map has no System RAM range');
  }
  const base = hole('kernel', length + TEXT_OFFSET, 0);
  const kernelBase = base + TEXT_OFFSET;
  if (input.imageSize === undefined && (input.initrdPlacement ?? 'high') === 'high') {
    imageSize = highRoom(input.ranges, kernelBase, imageSize, input.initrd?.length ?? 0, pageSize);
  }
  let initrdBase = kernelBase + alignUp(imageSize, pageSize);
  const initrdSize = input.initrd?.length ?? 0;
  if (input.initrd) {
    initrdBase = hole('initrd', initrdSize, initrdBase);
    place('initrd', 0, initrdSize, initrdBase, initrdSize);
  }

  const chosen: ChosenPlan = {};
  if (input.cmdline !== undefined) chosen.bootargs = input.cmdline;
  if (input.initrd) {
    chosen.initrdStart = initrdBase;
    chosen.initrdEnd = initrdBase + initrdSize;
  }
  const dtb = editDtbForKexec(input.dtb, chosen);
  const dtbMin = alignDown(initrdBase + initrdSize + pageSize, pageSize);
  const dtbBase = hole('device tree', dtb.length, dtbMin);
  place('dtb', 0, dtb.length, dtbBase, dtb.length);
  place('kernel', kernelOffset, kernelBufSize, kernelBase, kernelMemSize);
  const segments = [...placed].sort((a, b) => a.mem - b.mem);
  checkOverlaps(segments);

  return {
    arch: 'arm',
    syscall: 'kexec_load',
    kernelKind: [...probe.wrappers, 'zImage'].join('+'),
    cmdline: input.cmdline ?? '',
    entry: kernelBase,
    flags: KEXEC_ARCH_ARM,
    segments,
    chosen,
    details: {
      zImageSize: zImage.size,
      fileSize: input.kernel.length,
      appendedBytes: zImage.appendedBytes,
      imageSize,
      sizeTag: zImage.sizeTag ? 'KLSZ' : 'none',
      dtbLength: dtb.length,
    },
    buffers: { kernel: input.kernel, ...(input.initrd ? { initrd: input.initrd } : {}), dtb: dtb.bytes },
  };
}

/**
 * The room above the kernel for the 'high' placement: up to bank + 128 MiB when a RAM range holds the
 * initrd (and a page for the DTB) there, else kexec-tools' room plus DECOMPRESSOR_SLACK, rounded to 1 MiB.
 */
function highRoom(
  ranges: readonly MemoryRange[],
  kernelBase: number,
  imageSize: number,
  initrdSize: number,
  pageSize: number,
): number {
  const safe = Math.floor(kernelBase / BANK) * BANK + SAFE_OFFSET;
  const needed = alignUp(initrdSize, pageSize) + 2 * MIB;
  const fits = ranges.some((range) => range.type === 'ram' && range.start <= safe && range.end >= safe + needed - 1);
  if (fits && safe - kernelBase > imageSize) return safe - kernelBase;
  return alignUp(imageSize + DECOMPRESSOR_SLACK, MIB);
}

function checkOverlaps(segments: readonly KexecSegment[]): void {
  for (let index = 1; index < segments.length; index++) {
    const previous = segments[index - 1]!;
    if (previous.mem + previous.memsz > segments[index]!.mem) {
      throw kexecError(
        'KEXEC_NO_HOLE',
        `segments overlap: ${previous.source} ends at ${hex(previous.mem + previous.memsz)}, ${segments[index]!.source} starts at ${hex(segments[index]!.mem)}`,
      );
    }
  }
}

function describeRam(ranges: readonly MemoryRange[]): string {
  return ranges
    .filter((range) => range.type === 'ram')
    .map((range) => `${hex(range.start)}-${hex(range.end)}`)
    .join(', ');
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
