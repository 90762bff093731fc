/**
 * The physical memory map as kexec-tools reads it from /proc/iomem (kexec/arch/arm/kexec-arm.c,
 * get_memory_ranges): every line `start-end : System RAM` or `System RAM (boot alias)` is RAM, every
 * `reserved` line is kept as reserved (nested reserved ranges are NOT subtracted from RAM: the hole
 * search looks at RAM ranges only), everything else is skipped; indentation is ignored; at most 64
 * ranges are kept, in file order.
 */
export type MemoryRangeType = 'ram' | 'reserved';

export interface MemoryRange {
  /** First byte. */
  start: number;
  /** Last byte (inclusive, as /proc/iomem prints it). */
  end: number;
  type: MemoryRangeType;
}

/** kexec-tools' MAX_MEMORY_RANGES on arm: lines after the 64th kept range are ignored. */
export const MAX_MEMORY_RANGES = 64;

const LINE = /^\s*([0-9a-fA-F]+)-([0-9a-fA-F]+)\s*:\s*(.*)$/;

/** Memory ranges from /proc/iomem text, as kexec-tools' arm loader sees them. */
export function parseIomem(text: string): MemoryRange[] {
  const ranges: MemoryRange[] = [];
  for (const line of text.split('\n')) {
    if (ranges.length >= MAX_MEMORY_RANGES) break;
    const match = LINE.exec(line);
    if (!match) continue;
    const name = match[3]!.trimEnd();
    let type: MemoryRangeType;
    if (name === 'System RAM' || name === 'System RAM (boot alias)') type = 'ram';
    else if (name === 'reserved') type = 'reserved';
    else continue;
    ranges.push({ start: parseHexAddress(match[1]!), end: parseHexAddress(match[2]!), type });
  }
  return ranges;
}

/** Only the RAM ranges. */
export function ramRanges(ranges: readonly MemoryRange[]): MemoryRange[] {
  return ranges.filter((range) => range.type === 'ram');
}

/** Total bytes of RAM in the map. */
export function totalRam(ranges: readonly MemoryRange[]): number {
  let total = 0;
  for (const range of ranges) if (range.type === 'ram') total += range.end - range.start + 1;
  return total;
}

/** Addresses beyond 2^53 cannot be RAM a 64-bit kernel reports today; they clamp rather than lose bits silently. */
function parseHexAddress(hex: string): number {
  const value = BigInt(`0x${hex}`);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
