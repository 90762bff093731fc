import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc64 } from '../src/index.js';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it('equals zlib for random data, whole and in pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, cut) => {
        const expected = zlib.crc32(data);
        const at = Math.min(cut, data.length);
        expect(crc32(data)).toBe(expected);
        expect(crc32(data.subarray(at), crc32(data.subarray(0, at)))).toBe(expected);
      }),
    );
  });
});

describe('crc64 (xz)', () => {
  it('matches the CRC-64/XZ check value', () => {
    expect(crc64(ascii('123456789'))).toBe(0x995dc9bbdf1939fan);
    expect(crc64(new Uint8Array())).toBe(0n);
  });

  it('continues across pieces and agrees with a bitwise reference', () => {
    const reference = (data: Uint8Array): bigint => {
      let crc = 0xffffffffffffffffn;
      for (const byte of data) {
        crc ^= BigInt(byte);
        for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ 0xc96c5795d7870f42n : crc >> 1n;
      }
      return crc ^ 0xffffffffffffffffn;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(100), (data, cut) => {
        const at = Math.min(cut, data.length);
        const expected = reference(data);
        expect(crc64(data)).toBe(expected);
        expect(crc64(data.subarray(at), crc64(data.subarray(0, at)))).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
