import { describe, expect, it } from 'vitest';
import { MAX_MEMORY_RANGES, parseIomem, ramRanges, totalRam } from '../src/index.js';

// The shape of /proc/iomem in the armhf QEMU guest (-M virt, 1 GiB) and on a Raspberry Pi-like board.
const VIRT = `00000000-03ffffff : 0.flash flash@0
09000000-09000fff : pl011@9000000
  09000000-09000fff : 9000000.pl011 pl011@9000000
40000000-7fffffff : System RAM
  40008000-40ffffff : Kernel code
  41200000-41313fff : Kernel data
  7e000000-7effffff : reserved
`;

describe('parseIomem (kexec-tools kexec/arch/arm/kexec-arm.c, get_memory_ranges)', () => {
  it('keeps System RAM and reserved lines, skips everything else, ignores indentation', () => {
    expect(parseIomem(VIRT)).toEqual([
      { start: 0x40000000, end: 0x7fffffff, type: 'ram' },
      { start: 0x7e000000, end: 0x7effffff, type: 'reserved' },
    ]);
  });

  it('does not subtract nested reserved ranges from RAM', () => {
    expect(ramRanges(parseIomem(VIRT))).toEqual([{ start: 0x40000000, end: 0x7fffffff, type: 'ram' }]);
    expect(totalRam(parseIomem(VIRT))).toBe(0x40000000);
  });

  it('takes "System RAM (boot alias)" as RAM, but not other names that start like it', () => {
    const text = '80000000-8fffffff : System RAM (boot alias)\n90000000-9fffffff : System RAM (other)\n';
    expect(parseIomem(text)).toEqual([{ start: 0x80000000, end: 0x8fffffff, type: 'ram' }]);
  });

  it('reads 64-bit addresses', () => {
    expect(parseIomem('100000000-47fffffff : System RAM\n')).toEqual([
      { start: 0x100000000, end: 0x47fffffff, type: 'ram' },
    ]);
  });

  it('keeps at most 64 ranges, as kexec-tools does', () => {
    const lines = Array.from({ length: 70 }, (_, index) => {
      const start = 0x40000000 + index * 0x100000;
      return `${start.toString(16)}-${(start + 0xfffff).toString(16)} : System RAM`;
    });
    expect(parseIomem(lines.join('\n'))).toHaveLength(MAX_MEMORY_RANGES);
  });

  it('returns nothing for text without ranges', () => {
    expect(parseIomem('')).toEqual([]);
    expect(parseIomem('garbage\n: System RAM\n')).toEqual([]);
  });
});
