/** kmod binary index: builder and reader round trip, lookups, and corrupt files. */
import { InitkitError } from '@initkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KmodIndex, KmodIndexBuilder } from '../src/index-file.js';

const asciiKey = fc.string({ unit: fc.constantFrom(...'abcdefg_-:*?[]0123'.split('')), minLength: 1, maxLength: 12 });

describe('kmod binary index', () => {
  it('round trip: every inserted key reads back with its values sorted by priority', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(asciiKey, asciiKey, fc.nat(50)), { maxLength: 60 }), (inserts) => {
        const builder = new KmodIndexBuilder();
        const expected = new Map<string, { priority: number; value: string }[]>();
        for (const [key, value, priority] of inserts) {
          builder.insert(key, value, priority);
          const values = expected.get(key) ?? [];
          let at = 0;
          while (at < values.length && values[at]!.priority < priority) at++;
          values.splice(at, 0, { priority, value });
          expected.set(key, values);
        }
        const index = new KmodIndex(builder.serialize());
        const entries = index.entries();
        expect(new Map([...entries].sort())).toEqual(new Map([...expected].sort()));
        for (const [key, values] of expected) expect(index.lookup(key)).toEqual(values);
        expect(index.lookup('zzz-not-there')).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('splits prefixes: "ask", "ate", "on", "once", "one"', () => {
    const builder = new KmodIndexBuilder();
    for (const key of ['ask', 'ate', 'on', 'once', 'one']) builder.insert(key, key.toUpperCase(), 0);
    const index = new KmodIndex(builder.serialize());
    expect([...index.entries().keys()]).toEqual(['ask', 'ate', 'on', 'once', 'one']);
    expect(index.lookup('on')).toEqual([{ priority: 0, value: 'ON' }]);
    expect(index.lookup('o')).toEqual([]);
  });

  it('rejects non-ASCII keys and values when serializing', () => {
    for (const [key, value] of [
      ['é', 'x'],
      ['nbd', 'x'],
      ['abcé', 'x'],
    ]) {
      const builder = new KmodIndexBuilder();
      builder.insert('abc', 'ok', 0);
      builder.insert(key!, key === 'nbd' ? 'naïve' : value!, 0);
      expect(() => builder.serialize()).toThrow(expect.objectContaining({ code: 'KMOD_INDEX_BAD_KEY' }));
    }
  });

  it('bad magic, bad version, truncated and out-of-range nodes are typed errors', () => {
    const builder = new KmodIndexBuilder();
    builder.insert('nbd', 'kernel/drivers/block/nbd.ko:', 0);
    const good = builder.serialize();
    const badMagic = good.slice();
    badMagic[0] = 0;
    expect(() => new KmodIndex(badMagic)).toThrow(expect.objectContaining({ code: 'KMOD_INDEX_BAD_MAGIC', offset: 0 }));
    const badVersion = good.slice();
    badVersion[5] = 9;
    expect(() => new KmodIndex(badVersion)).toThrow(
      expect.objectContaining({ code: 'KMOD_INDEX_UNSUPPORTED', offset: 4 }),
    );
    expect(() => new KmodIndex(good.subarray(0, 8))).toThrow(expect.objectContaining({ code: 'KMOD_INDEX_TRUNCATED' }));
    expect(() => new KmodIndex(good.subarray(0, good.length - 3)).entries()).toThrow(InitkitError);
  });

  it('fuzz: mutated indexes return or throw InitkitError', () => {
    const builder = new KmodIndexBuilder();
    for (const key of ['nbd', 'nvme', 'nvme_core', 'virtio', 'virtio_net', 'pci:v*d*'])
      builder.insert(key, `${key}.ko`, 1);
    const good = builder.serialize();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (edits) => {
          const bytes = good.slice();
          for (const [at, value] of edits) bytes[at] = value;
          try {
            const index = new KmodIndex(bytes);
            index.entries();
            index.lookup('nvme_core');
          } catch (error) {
            if (!(error instanceof InitkitError)) throw error;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("says where a bad node is once (in the error's offset, not repeated in the text)", () => {
    const bytes = new Uint8Array(12);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0xb007f457);
    view.setUint32(4, 0x00020001);
    view.setUint32(8, 0x20000400); // a child-bearing node past the end of the file
    try {
      new KmodIndex(bytes).lookup('x');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InitkitError);
      expect((error as InitkitError).code).toBe('KMOD_INDEX_CORRUPT');
      expect((error as InitkitError).message.match(/1024/g)).toHaveLength(1);
    }
  });
});
