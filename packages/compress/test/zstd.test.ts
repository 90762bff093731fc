/**
 * Our zstd decoder against two oracles: the input the native `zstd` compressed (byte for byte) and fzstd
 * (the library this decoder replaced, kept as a test-only oracle), over levels, window sizes, block
 * kinds (raw, RLE, compressed; one- and four-stream literals; predefined, RLE, compressed and repeated
 * sequence tables), frame kinds (with and without size and checksum, skippable, multi-frame) and random
 * inputs; streaming must give the same bytes over any chunking, and bad frames give typed errors.
 */
import { isInitkitError } from '@initkit/core';
import fc from 'fast-check';
import { decompress as fzstd } from 'fzstd';
import { describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import { decode, decodeChunks, decodeStream, decodeZstd } from '../src/index.js';
import { collect, concat, corpus, native, onlyTypedErrors, pieces, sameBytes } from './corpus.js';

/** A frame by hand: header (single segment, 1-byte size unless given), blocks, optional checksum. */
function frame(descriptor: number, headerRest: number[], blocks: number[][]): Uint8Array {
  return new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, descriptor, ...headerRest, ...blocks.flat()]);
}

/** A block header: last flag, type (0 raw, 1 RLE, 2 compressed), size. */
function blockHeader(last: boolean, type: number, size: number): number[] {
  const value = (size << 3) | (type << 1) | (last ? 1 : 0);
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff];
}

/** Text-like bytes from a seed: words from a small vocabulary, some long repeats, some noise. */
function synthetic(seed: number, length: number): Uint8Array {
  const words = ['init', 'kernel', 'module', 'cpio', '/usr/lib/', 'zstd', '\n', ' ', '0x', 'firmware'];
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  let at = 0;
  while (at < length) {
    const pick = next() % 100;
    if (pick < 70) {
      const word = words[next() % words.length]!;
      for (let i = 0; i < word.length && at < length; i++) out[at++] = word.charCodeAt(i);
    } else if (pick < 85 && at > 8) {
      // A match: short offsets overlap (runs), long ones copy earlier text.
      const offset = 1 + (next() % Math.min(at, pick < 78 ? 8 : 40_000));
      const count = 3 + (next() % 300);
      for (let i = 0; i < count && at < length; i++, at++) out[at] = out[at - offset]!;
    } else {
      const count = 1 + (next() % 64);
      for (let i = 0; i < count && at < length; i++) out[at++] = next() & 0xff;
    }
  }
  return out;
}

describe.runIf(hasTools('zstd'))('zstd decoder against native zstd and fzstd', () => {
  const input = corpus();
  const cases: Array<[string, string[], Uint8Array]> = [];
  for (const level of [1, 2, 3, 5, 7, 9, 12, 15, 17, 19]) cases.push([`-${level}`, [`-${level}`], input]);
  cases.push(['--ultra -22', ['--ultra', '-22'], input]);
  cases.push(['--fast=5', ['--fast=5'], input]);
  cases.push(['-19 --long=24 (large window)', ['-19', '--long=24'], input]);
  cases.push(['-3 wlog=10 (1 KiB window)', ['-3', '--zstd=wlog=10'], input]);
  cases.push(['-9 small blocks (-B4096)', ['-9', '-B4096'], input]);
  cases.push(['--no-check --no-content-size', ['--no-check', '--no-content-size'], input]);
  cases.push(['-19 zeros (RLE blocks)', ['-19'], new Uint8Array(600_000)]);
  cases.push(['-3 random bytes (raw blocks)', ['-3'], input.subarray(input.length - 150_000)]);
  cases.push(['-1 one byte', ['-1'], new Uint8Array([42])]);
  cases.push(['-1 empty', ['-1'], new Uint8Array(0)]);
  cases.push(['-6 synthetic runs and repeats', ['-6'], synthetic(7, 700_000)]);

  for (const [name, args, data] of cases) {
    it(`zstd ${name}`, () => {
      const compressed = native('zstd', [...args, '-q', '-c'], data);
      const ours = decodeZstd(compressed);
      expect(ours.consumed).toBe(compressed.length);
      expect(sameBytes(ours.output, data)).toBe(true);
      expect(sameBytes(ours.output, fzstd(compressed))).toBe(true);
      expect(sameBytes(concat(...decodeChunks(compressed)), data)).toBe(true);
    });
  }

  it('random inputs at random levels: ours == fzstd == input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.integer({ min: -5, max: 19 }),
        (seed, length, level) => {
          const data = synthetic(seed, length);
          const compressed = native('zstd', [level < 1 ? `--fast=${-level + 1}` : `-${level}`, '-q', '-c'], data);
          const ours = decodeZstd(compressed).output;
          return sameBytes(ours, data) && sameBytes(ours, fzstd(compressed));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('the output is one allocation of the declared size', () => {
    const data = input.subarray(0, 1_000_003);
    const output = decodeZstd(native('zstd', ['-19', '-q', '-c'], data)).output;
    expect(sameBytes(output, data)).toBe(true);
    expect(output.buffer.byteLength).toBe(data.length);
  });

  it('mutated compressed blocks: a typed error or some output, never another exception or a hang', () => {
    const data = synthetic(11, 30_000);
    const compressed = native('zstd', ['-19', '--no-check', '-q', '-c'], data);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 6, max: compressed.length - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        (flips) => {
          const mutated = compressed.slice();
          for (const [at, bits] of flips) mutated[at]! ^= bits;
          onlyTypedErrors(() => decodeZstd(mutated));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('streams with a sliding window give the same bytes for any chunking', async () => {
    // A 4 KiB window over 1.5 MiB: the streaming window slides many times.
    const compressed = concat(
      native('zstd', ['-5', '--zstd=wlog=12', '-q', '-c'], input),
      native('sh', ['-c', 'cat | zstd -q -12 -c'], input.subarray(0, 400_000)),
    );
    const expected = concat(input, input.subarray(0, 400_000));
    for (const size of [97, 65_536]) {
      const output = await collect(decodeStream(pieces(compressed, size), { format: 'zstd' }));
      expect(sameBytes(output, expected)).toBe(true);
    }
    // One byte at a time through a frame with a 1 KiB window.
    const small = synthetic(3, 40_000);
    const smallCompressed = native('zstd', ['-3', '--zstd=wlog=10', '-q', '-c'], small);
    expect(sameBytes(await collect(decodeStream(pieces(smallCompressed, 1))), small)).toBe(true);
  }, 60_000);
});

describe('zstd frames made by hand', () => {
  const text = new TextEncoder().encode('hello, zstd');

  it('raw and RLE blocks, an empty last block, a skippable frame between frames', () => {
    const a = frame(
      0x20,
      [text.length + 5],
      [blockHeader(false, 0, text.length), [...text], blockHeader(false, 1, 5), [0x21], blockHeader(true, 0, 0)],
    );
    const skippable = new Uint8Array([0x5e, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
    const b = frame(0x00, [0x00], [blockHeader(true, 1, 3), [0x7a]]);
    const expected = concat(text, new TextEncoder().encode('!!!!!zzz'));
    const result = decode(concat(a, skippable, b, new Uint8Array([1, 2, 3])));
    expect(result.format).toBe('zstd');
    expect(sameBytes(result.output, expected)).toBe(true);
    expect(result.consumed).toBe(a.length + skippable.length + b.length);
  });

  it('a frame that needs a dictionary is a typed error', () => {
    // Dictionary ID flag 1 (one byte: 7), single segment, content size 3.
    const needsDictionary = frame(0x21, [7, 3], [blockHeader(true, 0, 3), [1, 2, 3]]);
    expect(() => decodeZstd(needsDictionary)).toThrow(expect.objectContaining({ code: 'ZSTD_UNSUPPORTED' }));
    // Dictionary ID 0 means "no dictionary".
    const noDictionary = frame(0x21, [0, 3], [blockHeader(true, 0, 3), [1, 2, 3]]);
    expect([...decodeZstd(noDictionary).output]).toEqual([1, 2, 3]);
  });

  it('a frame whose blocks disagree with its declared size is corrupt', () => {
    const tooLong = frame(0x20, [2], [blockHeader(true, 0, 3), [1, 2, 3]]);
    const tooShort = frame(0x20, [4], [blockHeader(true, 0, 3), [1, 2, 3]]);
    for (const bytes of [tooLong, tooShort]) {
      expect(() => decodeZstd(bytes)).toThrow(expect.objectContaining({ code: 'ZSTD_CORRUPT' }));
    }
  });

  it('a compressed block with nonsense inside is a typed error, never an exception of another kind', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (body) => {
        const bytes = frame(0x00, [0x00], [blockHeader(true, 2, body.length), [...body]]);
        onlyTypedErrors(() => decodeZstd(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('limits stop a frame before it is decoded or while it streams', async () => {
    const zeros = new Uint8Array(3 << 20);
    // Window descriptor 0x38: a 128 KiB window, so 128 KiB blocks are allowed.
    const bytes = frame(
      0x00,
      [0x38],
      [...Array.from({ length: 24 }, (_, i) => [...blockHeader(i === 23, 1, 128 * 1024), 0])],
    );
    expect(decodeZstd(bytes).output.length).toBe(zeros.length);
    expect(() => decodeZstd(bytes, { maxOutputBytes: 1 << 20 })).toThrow(
      expect.objectContaining({ code: 'COMPRESS_OUTPUT_TOO_LARGE' }),
    );
    expect(() => decodeZstd(bytes, { maxRatio: 1000 })).toThrow(
      expect.objectContaining({ code: 'COMPRESS_RATIO_TOO_LARGE' }),
    );
    await expect(collect(decodeStream(pieces(bytes, 7), { maxOutputBytes: 1 << 20 }))).rejects.toSatisfy((error) =>
      isInitkitError(error, 'COMPRESS_OUTPUT_TOO_LARGE'),
    );
  });
});
