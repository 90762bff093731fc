/**
 * kexec-tools' locate_hole (kexec/kexec.c) for a 32-bit kernel: the RAM ranges minus the segments placed
 * so far (a merge of two address-sorted lists, as kexec-tools does it), then the FIRST free range, in
 * map order, that still has `size` bytes once clipped to [min, max] and its start aligned up. A range
 * [start, end] counts as large enough when end - start >= size - 1 (end is inclusive).
 */
import type { MemoryRange } from './iomem.js';

export interface PlacedSegment {
  mem: number;
  memsz: number;
}

export interface HoleRequest {
  size: number;
  /** Alignment of the hole's start (raised to the page size). */
  align: number;
  min: number;
  max: number;
  pageSize: number;
}

/** The lowest fitting hole's start, or undefined (kexec-tools: "Could not find a free area of memory"). */
export function locateHole(
  ranges: readonly MemoryRange[],
  segments: readonly PlacedSegment[],
  { size, align, min, max, pageSize }: HoleRequest,
): number | undefined {
  const holeAlign = Math.max(align, pageSize);
  const sorted = [...segments].sort((a, b) => a.mem - b.mem);
  const free: Array<{ start: number; end: number }> = [];
  let next = 0;
  for (const range of ranges) {
    if (range.type !== 'ram') continue;
    let start = range.start;
    const end = range.end;
    while (next < sorted.length && sorted[next]!.mem <= end) {
      const segmentStart = sorted[next]!.mem;
      const segmentEnd = segmentStart + sorted[next]!.memsz - 1;
      if (start < segmentStart) free.push({ start, end: segmentStart - 1 });
      start = segmentEnd + 1;
      next++;
    }
    if (start < end) free.push({ start, end });
  }
  for (const range of free) {
    let start = Math.max(range.start, min);
    start = alignUp(start, holeAlign);
    const end = Math.min(range.end, max);
    if (start >= end || start >= max) continue;
    if (size === 0 || end - start >= size - 1) {
      if (size !== 0 && start + size - 1 > max) return undefined;
      return start;
    }
  }
  return undefined;
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

export function alignDown(value: number, alignment: number): number {
  return Math.floor(value / alignment) * alignment;
}
