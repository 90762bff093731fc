import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, concatBytes, InitkitError } from '../src/index.js';

describe('ByteReader', () => {
  it('reads both byte orders and reports truncation with the absolute offset', () => {
    const reader = new ByteReader(Uint8Array.of(1, 2, 3, 4, 5), { truncatedCode: 'X_TRUNCATED', baseOffset: 100 });
    expect(reader.u16be()).toBe(0x0102);
    expect(reader.u16le()).toBe(0x0403);
    let caught: unknown;
    try {
      reader.u32be('size field');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InitkitError);
    expect((caught as InitkitError).code).toBe('X_TRUNCATED');
    expect((caught as InitkitError).offset).toBe(104);
    expect((caught as InitkitError).message).toContain('size field: needed 4 bytes but only 1 remain');
    expect(reader.position).toBe(4);
  });

  it('returns zero-copy views', () => {
    const bytes = Uint8Array.of(9, 8, 7, 6);
    const view = new ByteReader(bytes).skip(1).bytesView(2);
    bytes[1] = 42;
    expect([...view]).toEqual([42, 7]);
  });
});

describe('ByteWriter', () => {
  it('writes what ByteReader reads back, growing as needed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 40 }))),
        (items) => {
          const writer = new ByteWriter(1);
          for (const [value, data] of items) writer.u32be(value).u32le(value).bytes(data).align(4);
          const reader = new ByteReader(writer.finish());
          for (const [value, data] of items) {
            expect(reader.u32be()).toBe(value);
            expect(reader.u32le()).toBe(value);
            expect([...reader.bytesView(data.length)]).toEqual([...data]);
            reader.align(4);
          }
          expect(reader.remaining).toBe(0);
        },
      ),
    );
  });
});

describe('concatBytes', () => {
  it('joins chunks in order, empty ones included, and returns a lone chunk as it is', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
        const joined = concatBytes(chunks);
        expect([...joined]).toEqual(chunks.flatMap((chunk) => [...chunk]));
      }),
    );
    const lone = Uint8Array.of(1, 2);
    expect(concatBytes([lone])).toBe(lone);
  });
});
