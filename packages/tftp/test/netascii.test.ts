import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNetascii, encodeNetascii, NetasciiDecoder } from '../src/index.js';

describe('netascii', () => {
  it('turns LF into CR LF and a bare CR into CR NUL', () => {
    expect([...encodeNetascii(Uint8Array.from(Buffer.from('a\nb\rc')))]).toEqual([...Buffer.from('a\r\nb\r\0c')]);
    expect(Buffer.from(decodeNetascii(Uint8Array.from(Buffer.from('a\r\nb\r\0c\r')))).toString()).toBe('a\nb\rc\r');
  });

  it('decodes what it encodes, however the wire bytes are split into blocks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }).map((bytes) => bytes.map((byte) => [10, 13, 0, 65][byte % 4]!)),
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 6 }),
        (local, cuts) => {
          const wire = encodeNetascii(local);
          const decoder = new NetasciiDecoder();
          const points = [...new Set(cuts.map((cut) => Math.min(cut, wire.length)))].sort((a, b) => a - b);
          const parts: number[] = [];
          let previous = 0;
          for (const point of [...points, wire.length]) {
            parts.push(...decoder.push(wire.subarray(previous, point)));
            previous = point;
          }
          parts.push(...decoder.end());
          expect(parts).toEqual([...local]);
        },
      ),
    );
  });
});
