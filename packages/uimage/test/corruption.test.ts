import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InitkitError } from '@initkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUImage } from '../src/index.js';

const multi = new Uint8Array(
  readFileSync(fileURLToPath(new URL('../../../fixtures/uimage/multi.uimg', import.meta.url))),
);
const flip = (bytes: Uint8Array, at: number, mask = 0x01) => {
  const copy = bytes.slice();
  copy[at]! ^= mask;
  return copy;
};
const codeOf = (action: () => unknown) => {
  try {
    action();
  } catch (error) {
    if (error instanceof InitkitError) return { code: error.code, offset: error.offset };
    throw error;
  }
  return undefined;
};

describe('damaged images', () => {
  it('bad magic', () =>
    expect(codeOf(() => parseUImage(flip(multi, 0)))).toEqual({ code: 'UIMAGE_BAD_MAGIC', offset: 0 }));
  it('bad header CRC', () =>
    expect(codeOf(() => parseUImage(flip(multi, 40)))).toEqual({ code: 'UIMAGE_BAD_HCRC', offset: 4 }));
  it('bad data CRC', () =>
    expect(codeOf(() => parseUImage(flip(multi, 70)))).toEqual({ code: 'UIMAGE_BAD_DCRC', offset: 64 }));
  it('truncated payload', () =>
    expect(codeOf(() => parseUImage(multi.subarray(0, multi.length - 1)))?.code).toBe('UIMAGE_TRUNCATED'));
  it('shorter than a header', () =>
    expect(codeOf(() => parseUImage(multi.subarray(0, 63)))).toEqual({ code: 'UIMAGE_TRUNCATED', offset: 0 }));

  it('lenient mode reads a payload whose data CRC is wrong, and says so', () => {
    const image = parseUImage(flip(multi, 90), { verifyDataCrc: false });
    expect(image.dataCrcOk).toBe(false);
    expect(image.files).toHaveLength(3);
  });

  it('random byte flips anywhere give a parse or an InitkitError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(multi.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (flips, lenient) => {
          let bytes = multi;
          for (const [at, mask] of flips) bytes = flip(bytes, at, mask);
          try {
            parseUImage(bytes, { verifyDataCrc: !lenient });
          } catch (error) {
            expect(error).toBeInstanceOf(InitkitError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random bytes and truncations give a parse or an InitkitError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(multi.length), (random, cut) => {
        for (const bytes of [random, multi.subarray(0, cut)]) {
          try {
            parseUImage(bytes, { verifyDataCrc: false });
          } catch (error) {
            expect(error).toBeInstanceOf(InitkitError);
          }
        }
      }),
    );
  });
});
