/**
 * The native tools are the oracles: whatever gzip, pigz, xz, zstd, lz4, lzop and bzip2 write, both the
 * pure build and the Node build decode byte for byte, reporting exactly how many bytes the stream used
 * (checked by appending unrelated bytes after it).
 */
import { describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import type { CompressionFormat } from '../src/format.js';
import { decode as decodePure } from '../src/index.js';
import { decode as decodeNode } from '../src/node/index.js';
import { concat, corpus, native, nativeOnFile, sameBytes } from './corpus.js';

const TRAILER = new TextEncoder().encode('070701TRAILING-DATA-THAT-IS-NOT-PART-OF-THE-STREAM');

interface Case {
  name: string;
  format: CompressionFormat;
  make: (input: Uint8Array) => Uint8Array;
  /** Whether the format can tell where it ends when other bytes follow (legacy lz4 cannot). */
  selfDelimiting?: boolean;
  /** Not detectable by magic (the kernel, too, only knows .lzma with the default properties). */
  explicit?: boolean;
}

const cases: Case[] = [];
for (let level = 1; level <= 9; level++) {
  cases.push({ name: `gzip -${level}`, format: 'gzip', make: (i) => native('gzip', [`-${level}`, '-c'], i) });
}
cases.push({
  name: 'gzip with a stored file name',
  format: 'gzip',
  make: (i) => nativeOnFile((a, o) => native('sh', ['-c', `gzip -c -N "${a}" > "${o}"`], new Uint8Array()), i),
});
cases.push({ name: 'pigz -6', format: 'gzip', make: (i) => native('pigz', ['-6', '-c'], i) });
cases.push({ name: 'pigz -9 --independent', format: 'gzip', make: (i) => native('pigz', ['-9', '-i', '-c'], i) });
for (const check of ['none', 'crc32', 'crc64', 'sha256']) {
  cases.push({ name: `xz -C ${check}`, format: 'xz', make: (i) => native('xz', ['-C', check, '-c'], i) });
}
for (const filter of ['x86', 'arm', 'armthumb', 'arm64', 'powerpc', 'sparc', 'ia64']) {
  cases.push({
    name: `xz --${filter}`,
    format: 'xz',
    make: (i) => native('xz', [`--${filter}`, '--lzma2=preset=6', '-c'], i),
  });
}
cases.push({
  name: 'xz --delta=dist=4',
  format: 'xz',
  make: (i) => native('xz', ['--delta=dist=4', '--lzma2=preset=1', '-c'], i),
});
cases.push({
  name: 'xz --x86 start offset',
  format: 'xz',
  make: (i) => native('xz', ['--x86=start=4096', '--lzma2', '-c'], i),
});
cases.push({ name: 'xz -9e', format: 'xz', make: (i) => native('xz', ['-9e', '-c'], i) });
cases.push({
  name: 'xz multi-block (-T2 --block-size)',
  format: 'xz',
  make: (i) => native('xz', ['-T2', '--block-size=300000', '-c'], i),
});
cases.push({ name: 'xz --format=lzma', format: 'lzma', make: (i) => native('xz', ['--format=lzma', '-c'], i) });
cases.push({
  name: 'xz --format=lzma lc=1 lp=2 pb=0',
  format: 'lzma',
  make: (i) => native('xz', ['--format=lzma', '--lzma1=preset=3,lc=1,lp=2,pb=0', '-c'], i),
  explicit: true,
});
for (const level of [1, 3, 9, 19]) {
  cases.push({ name: `zstd -${level}`, format: 'zstd', make: (i) => native('zstd', [`-${level}`, '-q', '-c'], i) });
}
cases.push({ name: 'zstd --no-check', format: 'zstd', make: (i) => native('zstd', ['--no-check', '-q', '-c'], i) });
cases.push({
  name: 'zstd streamed (no content size)',
  format: 'zstd',
  make: (i) => native('sh', ['-c', 'cat | zstd -q -c'], i),
});
cases.push({
  name: 'lz4 -l (legacy)',
  format: 'lz4',
  make: (i) => native('lz4', ['-l', '-q', '-c'], i),
  selfDelimiting: false,
});
cases.push({ name: 'lz4 frame', format: 'lz4-frame', make: (i) => native('lz4', ['-q', '-c'], i) });
cases.push({
  name: 'lz4 frame, linked blocks, checksums',
  format: 'lz4-frame',
  make: (i) => native('lz4', ['-q', '-BD', '-B4', '--content-size', '-BX', '-c'], i),
});
cases.push({
  name: 'lzop',
  format: 'lzo',
  make: (i) => nativeOnFile((a, o) => native('lzop', ['-o', o, a], new Uint8Array()), i),
});
cases.push({
  name: 'lzop -9 --crc32',
  format: 'lzo',
  make: (i) => nativeOnFile((a, o) => native('lzop', ['-9', '--crc32', '-o', o, a], new Uint8Array()), i),
});
cases.push({ name: 'bzip2 -9', format: 'bzip2', make: (i) => native('bzip2', ['-9', '-c'], i) });
cases.push({ name: 'bzip2 -1', format: 'bzip2', make: (i) => native('bzip2', ['-1', '-c'], i) });

describe.runIf(hasTools('gzip', 'pigz', 'xz', 'zstd', 'lz4', 'lzop', 'bzip2', 'cpio'))(
  'decoding what the native tools write',
  () => {
    const input = corpus();
    for (const testCase of cases) {
      it(testCase.name, () => {
        const compressed = testCase.make(input);
        const options = testCase.explicit ? { format: testCase.format } : {};
        for (const decode of [decodePure, decodeNode]) {
          const result = decode(compressed, options);
          expect(result.format).toBe(testCase.format);
          expect(sameBytes(result.output, input)).toBe(true);
          expect(result.consumed).toBe(compressed.length);
          if (testCase.selfDelimiting !== false) {
            const followed = decode(concat(compressed, TRAILER), options);
            expect(sameBytes(followed.output, input)).toBe(true);
            expect(followed.consumed).toBe(compressed.length);
          }
        }
      });
    }

    it('concatenated gzip members, xz streams with padding, zstd frames with a skippable frame', () => {
      const half = input.length >> 1;
      const a = input.subarray(0, half);
      const b = input.subarray(half);
      const gz = concat(native('gzip', ['-c'], a), native('gzip', ['-1', '-c'], b));
      const xz = concat(native('xz', ['-c'], a), new Uint8Array(8), native('xz', ['-C', 'crc32', '-c'], b));
      const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
      const zst = concat(native('zstd', ['-q', '-c'], a), skippable, native('zstd', ['-q', '-c'], b));
      const bz = concat(native('bzip2', ['-c'], a), native('bzip2', ['-c'], b));
      for (const compressed of [gz, xz, zst, bz]) {
        for (const decode of [decodePure, decodeNode]) {
          const result = decode(concat(compressed, TRAILER));
          expect(sameBytes(result.output, input)).toBe(true);
          expect(result.consumed).toBe(compressed.length);
        }
      }
    });
  },
);
