/**
 * XXH64 against a plain BigInt implementation of the spec, over lengths around the 32-byte stripe and
 * the tail cases, unaligned views and any split into update() calls (the stripe loop carries its lanes
 * between calls). Known vectors pin the reference itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Xxh64 } from '../src/checksum/xxhash.js';

const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

function rotl(value: bigint, bits: bigint): bigint {
  return ((value << bits) | (value >> (64n - bits))) & MASK;
}

function round(acc: bigint, input: bigint): bigint {
  return (rotl((acc + input * P2) & MASK, 31n) * P1) & MASK;
}

function word64(data: Uint8Array, at: number): bigint {
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(data[at + i]!);
  return value;
}

function word32(data: Uint8Array, at: number): bigint {
  return BigInt((data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0);
}

/** XXH64 with seed 0, straight from the specification. */
function referenceXxh64(data: Uint8Array): bigint {
  let i = 0;
  let h: bigint;
  if (data.length >= 32) {
    const lanes = [(P1 + P2) & MASK, P2, 0n, (0n - P1) & MASK];
    for (; i + 32 <= data.length; i += 32) {
      for (let lane = 0; lane < 4; lane++) lanes[lane] = round(lanes[lane]!, word64(data, i + lane * 8));
    }
    h = (rotl(lanes[0]!, 1n) + rotl(lanes[1]!, 7n) + rotl(lanes[2]!, 12n) + rotl(lanes[3]!, 18n)) & MASK;
    for (const lane of lanes) h = ((h ^ round(0n, lane)) * P1 + P4) & MASK;
  } else {
    h = P5;
  }
  h = (h + BigInt(data.length)) & MASK;
  for (; i + 8 <= data.length; i += 8) h = (rotl(h ^ round(0n, word64(data, i)), 27n) * P1 + P4) & MASK;
  if (i + 4 <= data.length) {
    h = (rotl(h ^ ((word32(data, i) * P1) & MASK), 23n) * P2 + P3) & MASK;
    i += 4;
  }
  for (; i < data.length; i++) h = (rotl(h ^ ((BigInt(data[i]!) * P5) & MASK), 11n) * P1) & MASK;
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  return h ^ (h >> 32n);
}

function ours(data: Uint8Array, cuts: readonly number[] = []): bigint {
  const hash = new Xxh64();
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    hash.update(data.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
  }
  hash.update(data.subarray(at));
  const [high, low] = hash.digest();
  return (BigInt(high) << 32n) | BigInt(low);
}

function pseudoRandom(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) | 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

describe('Xxh64', () => {
  it('matches the published vectors', () => {
    expect(referenceXxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(referenceXxh64(new TextEncoder().encode('a'))).toBe(0xd24ec4f1a98c6e5bn);
    expect(ours(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(ours(new TextEncoder().encode('a'))).toBe(0xd24ec4f1a98c6e5bn);
  });

  it('matches the reference for every length up to 200 and at an odd offset', () => {
    const backing = pseudoRandom(201, 7);
    for (let length = 0; length <= 200; length++) {
      const data = backing.subarray(1, 1 + length);
      expect(ours(data)).toBe(referenceXxh64(data));
    }
  });

  it('matches the reference for all-ones and all-zero inputs (carries and zero products)', () => {
    for (const fill of [0, 0xff]) {
      const data = new Uint8Array(1000).fill(fill);
      expect(ours(data)).toBe(referenceXxh64(data));
    }
  });

  it('gives the same hash over any split into updates', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat({ max: 600 }), { maxLength: 6 }),
        (data, cuts) => ours(data, cuts) === referenceXxh64(data),
      ),
      { numRuns: 300 },
    );
  });
});
