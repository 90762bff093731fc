import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Latin1Interner } from '../src/interner.js';

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** `name` at `offset` of a buffer with other bytes around it, as names sit in a string table. */
function embedded(name: Uint8Array, offset: number): Uint8Array {
  const buffer = new Uint8Array(offset + name.length + 3).fill(0x5a);
  buffer.set(name, offset);
  return buffer;
}

describe('Latin1Interner', () => {
  it('gives the Latin-1 text of the bytes, the same string object for equal bytes wherever they are', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 60 }),
        fc.nat(9),
        (names, offset) => {
          const interner = new Latin1Interner();
          const first = names.map((name) => interner.intern(embedded(name, offset), offset, offset + name.length));
          const again = names.map((name) => interner.intern(embedded(name, 1), 1, 1 + name.length));
          names.forEach((name, i) => {
            expect(first[i]).toBe(latin1(name));
            expect(again[i]).toBe(first[i]);
          });
          expect(interner.size).toBe(new Set(names.map(latin1)).size);
        },
      ),
    );
  });

  it('tells apart names that share their length and the bytes its hash samples', () => {
    // Same length, same first, middle and last four bytes: only the bytes in between differ.
    const names = Array.from({ length: 500 }, (_, i) => `abcd${String(i).padStart(3, '0')}efghXY${i % 10}zwxyz`);
    const interner = new Latin1Interner();
    const encoded = names.map((name) => new TextEncoder().encode(name));
    const interned = encoded.map((bytes) => interner.intern(bytes, 0, bytes.length));
    expect(interned).toEqual(names);
    expect(interner.size).toBe(new Set(names).size);
    encoded.forEach((bytes, i) => {
      expect(interner.intern(bytes, 0, bytes.length)).toBe(interned[i]);
    });
  });

  it('keeps every name when its tables grow past their first size', () => {
    const interner = new Latin1Interner();
    const names = Array.from({ length: 70_000 }, (_, i) => `symbol_${i.toString(36)}_${(i * 7919) % 1000}`);
    for (const name of names) {
      const bytes = new TextEncoder().encode(name);
      expect(interner.intern(bytes, 0, bytes.length)).toBe(name);
    }
    expect(interner.size).toBe(names.length);
    const probe = new TextEncoder().encode(names[12_345]!);
    expect(interner.intern(probe, 0, probe.length)).toBe(names[12_345]);
    expect(interner.size).toBe(names.length);
  });

  it('marks names per generation', () => {
    const interner = new Latin1Interner();
    const bytes = (text: string) => new TextEncoder().encode(text);
    const a = bytes('module_layout');
    const b = bytes('printk');
    interner.newGeneration();
    interner.intern(a, 0, a.length);
    interner.markLast();
    interner.intern(b, 0, b.length);
    expect(interner.lastIsMarked()).toBe(false);
    interner.intern(a, 0, a.length);
    expect(interner.lastIsMarked()).toBe(true);
    interner.newGeneration();
    interner.intern(a, 0, a.length);
    expect(interner.lastIsMarked()).toBe(false);
  });
});
