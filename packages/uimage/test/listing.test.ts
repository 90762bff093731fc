import { describe, expect, it } from 'vitest';
import { formatCtime, formatFixed2, formatSize } from '../src/index.js';

describe('listing format helpers', () => {
  it('rounds exact ties to even as C printf does', () => {
    expect(formatFixed2(0.125)).toBe('0.12');
    expect(formatFixed2(0.375)).toBe('0.38');
    expect(formatFixed2(1.005)).toBe((1.005).toFixed(2));
    expect(formatSize(128)).toBe('128 Bytes = 0.12 KiB = 0.00 MiB');
  });

  it('prints ctime with a space-padded day in the given zone', () => {
    expect(formatCtime(1700000000, { utcOffsetMinutes: () => 0 })).toBe('Tue Nov 14 22:13:20 2023');
    expect(formatCtime(1700000000, { utcOffsetMinutes: () => 120 })).toBe('Wed Nov 15 00:13:20 2023');
    expect(formatCtime(0, { utcOffsetMinutes: () => 0 })).toBe('Thu Jan  1 00:00:00 1970');
  });
});
