/**
 * Streaming decode gives exactly the one-shot result for gzip, xz (with BCJ), lzma and zstd, whatever
 * the input chunking, over async iterables, Web streams and the synchronous chunked decoder; errors
 * surface as the same typed errors.
 */

import { isInitkitError } from '@initkit/core';
import { describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import { decode, decodeChunks, decodeStream, decodeWebStream, encode } from '../src/index.js';
import { collect, concat, corpus, native, pieces, sameBytes } from './corpus.js';

describe.runIf(hasTools('gzip', 'xz', 'zstd'))('streaming decode', () => {
  const input = corpus();
  const streams = {
    gzip: concat(native('gzip', ['-c'], input.subarray(0, 500_000)), native('gzip', ['-c'], input.subarray(500_000))),
    xz: native('xz', ['--arm', '--lzma2=preset=6,dict=256KiB', '-C', 'sha256', '-c'], input),
    lzma: native('xz', ['--format=lzma', '--lzma1=preset=6,dict=128KiB', '-c'], input),
    zstd: concat(
      native('zstd', ['-q', '-c'], input.subarray(0, 300_000)),
      native('sh', ['-c', 'cat | zstd -q -3 -c'], input.subarray(300_000)),
    ),
  };

  for (const [format, compressed] of Object.entries(streams)) {
    it(`${format}: identical to one-shot for several chunk sizes`, async () => {
      expect(sameBytes(decode(compressed).output, input)).toBe(true);
      for (const size of [1 << 20, 4096, 777]) {
        const output = await collect(decodeStream(pieces(compressed, size)));
        expect(sameBytes(output, input)).toBe(true);
      }
      expect(sameBytes(concat(...decodeChunks(compressed)), input)).toBe(true);
    });
  }

  it('the ratio guard measures against the input received, not the header', async () => {
    const lines = Array.from({ length: 150_000 }, (_, i) => `line ${i} compresses well but not past the guard\n`);
    const text = new TextEncoder().encode(lines.join(''));
    for (const format of ['gzip', 'lzma'] as const) {
      const compressed = encode(format, text.subarray(0, format === 'lzma' ? 200_000 : text.length), { level: 1 });
      const expected = text.subarray(0, format === 'lzma' ? 200_000 : text.length);
      expect(sameBytes(concat(...decodeChunks(compressed)), expected)).toBe(true);
      expect(sameBytes(await collect(decodeStream(pieces(compressed, 65536))), expected)).toBe(true);
    }
    const xz = native('xz', ['-c'], text);
    expect(sameBytes(concat(...decodeChunks(xz)), text)).toBe(true);
  });

  it('a Web ReadableStream in and out', async () => {
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces(streams.xz, 10_000)) controller.enqueue(piece);
        controller.close();
      },
    });
    const output = await collect(decodeWebStream(source) as unknown as AsyncIterable<Uint8Array>);
    expect(sameBytes(output, input)).toBe(true);
  });

  it('truncation and corruption are typed errors while streaming', async () => {
    for (const compressed of Object.values(streams)) {
      const truncated = compressed.subarray(0, compressed.length - 10);
      await expect(collect(decodeStream(pieces(truncated, 5000)))).rejects.toSatisfy((error) => isInitkitError(error));
    }
    const corrupted = streams.gzip.slice();
    corrupted[corrupted.length - 6]! ^= 0xff;
    await expect(collect(decodeStream(pieces(corrupted, 5000)))).rejects.toSatisfy((error) =>
      isInitkitError(error, 'GZIP_BAD_CHECKSUM'),
    );
  });

  it('formats without a streaming decoder are a typed error, or decoded whole by decodeChunks', async () => {
    const lz4 = encode('lz4', input);
    await expect(collect(decodeStream(pieces(lz4, 1000)))).rejects.toSatisfy((error) =>
      isInitkitError(error, 'COMPRESS_UNSUPPORTED'),
    );
    expect(sameBytes(concat(...decodeChunks(lz4)), input)).toBe(true);
  });
});
