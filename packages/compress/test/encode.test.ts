/**
 * Our encoders against the native decoders: gzip at every level (pure and Node builds), lzma through
 * LZMA-JS, legacy lz4; and a typed error for formats without an encoder.
 */

import { isInitkitError } from '@initkit/core';
import { describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import { decode, encode } from '../src/index.js';
import { encode as encodeNode } from '../src/node/index.js';
import { corpus, native, sameBytes } from './corpus.js';

describe.runIf(hasTools('gzip', 'xz', 'lz4'))('native tools decode what we encode', () => {
  const input = corpus();
  for (let level = 1; level <= 9; level++) {
    it(`gzip level ${level}, pure and Node builds`, () => {
      for (const encoder of [encode, encodeNode]) {
        const compressed = encoder('gzip', input, { level });
        expect(sameBytes(native('gzip', ['-dc'], compressed), input)).toBe(true);
        expect(sameBytes(decode(compressed).output, input)).toBe(true);
      }
    });
  }

  it('lzma (LZMA-JS) is read by xz --format=lzma and by our decoder', () => {
    const small = input.subarray(0, 96 * 1024);
    const compressed = encode('lzma', small, { level: 1 });
    expect(sameBytes(native('xz', ['--format=lzma', '-dc'], compressed), small)).toBe(true);
    const decoded = decode(compressed);
    expect(sameBytes(decoded.output, small)).toBe(true);
    // No end marker after the recorded size: the kernel's unlzma stops at the size and would take
    // anything after it for another archive (test/kernel-unpacks-initrd.test.ts boots this).
    expect(decoded.consumed).toBe(compressed.length);
  });

  it('legacy lz4 is read by lz4 -dc, including blocks over 8 MiB of input', () => {
    const large = new Uint8Array(9 * 1024 * 1024 + 123);
    for (let i = 0; i < large.length; i += input.length)
      large.set(input.subarray(0, Math.min(input.length, large.length - i)), i);
    for (const data of [input, large, new Uint8Array(0), new Uint8Array([7])]) {
      const compressed = encode('lz4', data);
      expect(sameBytes(native('lz4', ['-dc'], compressed), data)).toBe(true);
      expect(sameBytes(decode(compressed).output, data)).toBe(true);
    }
  });
});

describe('encoder errors', () => {
  it('names the encodable formats when asked for one without an encoder', () => {
    for (const format of ['xz', 'zstd', 'bzip2', 'lzo', 'lz4-frame'] as const) {
      let error: unknown;
      try {
        encode(format, new Uint8Array(10));
      } catch (caught) {
        error = caught;
      }
      expect(isInitkitError(error, 'COMPRESS_UNSUPPORTED')).toBe(true);
      expect((error as Error).message).toContain('gzip, lzma, lz4');
    }
  });

  it('rejects levels outside 1-9', () => {
    expect(() => encode('gzip', new Uint8Array(1), { level: 0 })).toThrow(/level must be an integer from 1 to 9/);
    expect(() => encode('gzip', new Uint8Array(1), { level: 10 })).toThrow(/COMPRESS|level/);
  });

  it('none returns the bytes unchanged', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(encode('none', bytes)).toBe(bytes);
  });
});
