/**
 * The committed samples (fixtures/compress, made by the native tools through make.sh) decode to the
 * same text in the pure and Node builds and through the streaming decoder; no native tool needed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decode, decodeChunks, detect } from '../src/index.js';
import { decode as decodeNode } from '../src/node/index.js';
import { concat, sameBytes } from './corpus.js';

const directory = fileURLToPath(new URL('../../../fixtures/compress/', import.meta.url));
const text = new Uint8Array(readFileSync(`${directory}sample.txt`));
const expected: Record<string, string> = {
  gz: 'gzip',
  xz: 'xz',
  lzma: 'lzma',
  zst: 'zstd',
  lz4: 'lz4',
  lz4f: 'lz4-frame',
  lzo: 'lzo',
  bz2: 'bzip2',
};

describe('fixtures/compress', () => {
  const files = readdirSync(directory).filter((name) => name.startsWith('sample.txt.'));
  it('has a sample of every format', () => {
    expect(new Set(files.map((name) => expected[name.split('.').pop()!]))).toEqual(new Set(Object.values(expected)));
  });
  for (const name of files) {
    it(name, () => {
      const bytes = new Uint8Array(readFileSync(`${directory}${name}`));
      const format = expected[name.split('.').pop()!];
      expect(detect(bytes).format).toBe(format);
      for (const run of [decode, decodeNode]) {
        const result = run(bytes);
        expect(result.format).toBe(format);
        expect(result.consumed).toBe(bytes.length);
        expect(sameBytes(result.output, text)).toBe(true);
      }
      expect(sameBytes(concat(...decodeChunks(bytes)), text)).toBe(true);
    });
  }
});
