import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InitkitError } from '@initkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FDT_ERROR_CODES, formatDts, parseFdt, serializeFdt } from '../src/index.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../fixtures/fdt/${name}`, import.meta.url))));
const labels = fixture('labels.dtb');
const failure = (bytes: Uint8Array, limits = {}) => {
  try {
    parseFdt(bytes, limits);
  } catch (error) {
    if (error instanceof InitkitError) return { code: error.code, offset: error.offset, message: error.message };
    throw error;
  }
  return undefined;
};
const withU32 = (bytes: Uint8Array, at: number, value: number) => {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(at, value);
  return copy;
};

describe('header checks (fdt_check_header rules, versions 16 and 17)', () => {
  it('names the field, expected and found values and the offset', () => {
    expect(failure(withU32(labels, 0, 0xfeedd00d))).toMatchObject({
      code: 'FDT_BAD_MAGIC',
      offset: 0,
      message: expect.stringContaining('expected 0xd00dfeed, found 0xfeedd00d'),
    });
    expect(failure(withU32(labels, 20, 18))).toMatchObject({
      code: 'FDT_UNSUPPORTED',
      offset: 20,
      message: expect.stringContaining('expected 16 or 17, found 18'),
    });
    expect(failure(withU32(labels, 24, 17))).toBeUndefined();
    expect(failure(withU32(withU32(labels, 20, 16), 24, 17))).toMatchObject({ code: 'FDT_UNSUPPORTED', offset: 24 });
    expect(failure(withU32(labels, 4, labels.length + 1))).toMatchObject({ code: 'FDT_TRUNCATED' });
    expect(failure(withU32(labels, 12, labels.length))).toMatchObject({
      code: 'FDT_TRUNCATED',
      offset: 12,
      message: expect.stringContaining('off_dt_strings'),
    });
    expect(failure(withU32(labels, 8, 8))).toMatchObject({ code: 'FDT_TRUNCATED', offset: 8 });
    expect(failure(labels.subarray(0, 30))).toMatchObject({ code: 'FDT_TRUNCATED' });
    expect(failure(new Uint8Array())).toMatchObject({ code: 'FDT_TRUNCATED' });
  });

  it('a version 16 blob (no size_dt_struct) parses to the same tree', () => {
    const v16 = withU32(labels, 20, 16);
    expect(formatDts(parseFdt(v16))).toBe(formatDts(parseFdt(labels)));
  });

  it('structure errors: bad token, property name outside the strings, unbalanced nodes', () => {
    const tree = parseFdt(labels);
    const structOffset = new DataView(labels.buffer, labels.byteOffset).getUint32(8);
    expect(failure(withU32(labels, structOffset, 7))).toMatchObject({
      code: 'FDT_CORRUPT',
      offset: structOffset,
    });
    // First property of the root: token at struct+8 (BEGIN_NODE + empty name), nameoff at +16.
    expect(failure(withU32(labels, structOffset + 16, 0xffff))).toMatchObject({ code: 'FDT_CORRUPT' });
    expect(failure(withU32(labels, structOffset + 12, 0x7fffffff))).toMatchObject({ code: 'FDT_TOO_LARGE' });
    expect(tree.root.properties[0]!.name).toBe('#address-cells');
  });

  it('limits: depth, property size, total size', () => {
    const deep = fixture('deep.dtb');
    expect(parseFdt(deep).root.children).toHaveLength(2);
    expect(failure(deep, { maxDepth: 20 })).toMatchObject({ code: 'FDT_TOO_LARGE' });
    expect(failure(labels, { maxPropertyBytes: 8 })).toMatchObject({ code: 'FDT_TOO_LARGE' });
    expect(failure(labels, { maxTotalBytes: 100 })).toMatchObject({ code: 'FDT_TOO_LARGE', offset: 4 });
  });
});

describe('fuzzing: a tree or an InitkitError with a listed code, never another exception or a hang', () => {
  const codes = Object.keys(FDT_ERROR_CODES);
  const check = (bytes: Uint8Array) => {
    try {
      const tree = parseFdt(bytes);
      // Whatever parses must also serialize and print.
      parseFdt(serializeFdt(tree));
      formatDts(tree);
    } catch (error) {
      if (!(error instanceof InitkitError)) throw error;
      expect(codes).toContain(error.code);
    }
  };

  it('random bytes, and random bytes behind a valid magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, magic) => {
        if (magic && bytes.length >= 4) bytes.set([0xd0, 0x0d, 0xfe, 0xed]);
        check(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('mutated fixtures: flipped bytes, overwritten header words, truncation', () => {
    const blobs = ['labels.dtb', 'values.dtb', 'memreserve.dtb'].map(fixture);
    fc.assert(
      fc.property(
        fc.constantFrom(...blobs),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat()), { nil: undefined }),
        fc.option(fc.nat(), { nil: undefined }),
        (blob, flips, headerWord, cut) => {
          const bytes = blob.slice();
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          if (headerWord) new DataView(bytes.buffer).setUint32(headerWord[0] * 4, headerWord[1] % (blob.length * 2));
          check(cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
