/**
 * Which runtimes have zstd in node:zlib, and zstd encoding through it (the runtime matrix,
 * test/node-runtimes.test.ts, runs this file on Node 22 and 24; the decoders themselves on every
 * engine are in native.test.ts). Also: the default limits never refuse real data, and the formats'
 * edges (trailing bytes, lzop concatenations, .lzma and skippable-frame detection, xz strictness)
 * behave as the native tools.
 */
import * as zlib from 'node:zlib';
import { crc32 } from '@initkit/core';
import { describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import * as pure from '../src/index.js';
import * as node from '../src/node/index.js';
import { collect, concat, corpus, native, nativeOnFile, pieces, sameBytes } from './corpus.js';

const runtimeHasZstd = typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';

describe('zstd engines', () => {
  it('node:zlib is used exactly when the runtime has zstd (always from Node 24)', () => {
    // Node 22.23's libzstd binding stops after the first frame, so decoding stays TypeScript there.
    if (!runtimeHasZstd) expect(node.NODE_HAS_ZSTD).toBe(false);
    if (Number(process.versions.node.split('.')[0]) >= 24) expect(node.NODE_HAS_ZSTD).toBe(true);
    expect(node.NODE_ENCODES_ZSTD).toBe(runtimeHasZstd);
    expect(node.ENCODABLE_FORMATS.includes('zstd')).toBe(runtimeHasZstd);
    expect(pure.ENCODABLE_FORMATS.includes('zstd')).toBe(false);
  });

  // Decoding zstd on every engine (TypeScript, node:zlib, libzstd) against the same cases: native.test.ts.

  it('encodes zstd through node:zlib where the runtime has it, else names the requirement', () => {
    const data = new TextEncoder().encode('initkit zstd '.repeat(10_000));
    if (node.NODE_ENCODES_ZSTD) {
      const encoded = node.encode('zstd', data, { level: 19 });
      expect(pure.detect(encoded).format).toBe('zstd');
      expect(sameBytes(pure.decodeZstd(encoded).output, data)).toBe(true);
      if (hasTools('zstd')) expect(sameBytes(native('zstd', ['-dc'], encoded), data)).toBe(true);
      expect(() => node.encode('zstd', data, { level: 20 })).toThrow(/1 to 19/);
    } else {
      expect(() => node.encode('zstd', data)).toThrow(/Node 22\.15/);
    }
    expect(() => pure.encode('zstd', data)).toThrow(expect.objectContaining({ code: 'COMPRESS_UNSUPPORTED' }));
  });
});

describe.runIf(hasTools('gzip', 'xz', 'zstd', 'bzip2'))('limits that never refuse real data', () => {
  const zeros = new Uint8Array(20 << 20);
  const streams: [string, Uint8Array][] = [
    ['gzip -9', native('gzip', ['-9', '-c'], zeros)],
    ['xz', native('xz', ['-c', '-T1'], zeros)],
    ['zstd -19', native('zstd', ['-q', '-19', '-c'], zeros)],
    ['bzip2', native('bzip2', ['-c'], zeros)],
  ];
  for (const [name, compressed] of streams) {
    it(`20 MiB of zeros under ${name} (${compressed.length} bytes) decode with the defaults, every path`, async () => {
      const streaming = pure.STREAMING_FORMATS.includes(pure.detect(compressed).format as pure.CompressionFormat);
      // bzip2 has one engine and no streaming decoder: one decode says it all (and it is the slow one).
      for (const api of streaming ? [pure, node as unknown as typeof pure] : [pure]) {
        expect(api.decode(compressed).output.length).toBe(zeros.length);
        if (!streaming) continue;
        const chunks = [...api.decodeChunks(compressed)];
        expect(chunks.reduce((n, chunk) => n + chunk.length, 0)).toBe(zeros.length);
        const output = await collect(api.decodeStream(pieces(compressed, 65536)));
        expect(output.length).toBe(zeros.length);
      }
      expect(() => pure.decode(compressed, { maxOutputBytes: 10 << 20 })).toThrow(
        expect.objectContaining({ code: 'COMPRESS_OUTPUT_TOO_LARGE' }),
      );
    }, 120_000);
  }
});

describe('format edges as the native tools see them', () => {
  it.runIf(hasTools('gzip'))('reports the bytes after the last stream in the result', () => {
    const gz = concat(native('gzip', ['-c'], new Uint8Array([1, 2, 3])), new Uint8Array([9, 9, 9]));
    for (const api of [pure, node]) {
      const result = api.decode(gz);
      expect(result.trailing).toBe(3);
      expect(result.consumed).toBe(gz.length - 3);
    }
  });

  it.runIf(hasTools('lzop'))('decodes every stream of an lzop concatenation and every file of lzop -c a b c', () => {
    const parts = ['first\n', 'second\n', 'third\n'].map((text) => new TextEncoder().encode(text));
    const each = parts.map((part) =>
      nativeOnFile((from, to) => native('sh', ['-c', `lzop -c ${from} > ${to}`], new Uint8Array()), part),
    );
    const several = nativeOnFile(
      (from, to) =>
        native(
          'sh',
          ['-c', `cp ${from} ${from}.b && cp ${from} ${from}.c && lzop -c ${from} ${from}.b ${from}.c > ${to}`],
          new Uint8Array(),
        ),
      parts[0]!,
    );
    expect(new TextDecoder().decode(pure.decode(concat(...each)).output)).toBe('first\nsecond\nthird\n');
    const result = pure.decode(several);
    expect(new TextDecoder().decode(result.output)).toBe('first\n'.repeat(3));
    expect(result.trailing).toBe(0);
  });

  it.runIf(hasTools('xz'))('detects .lzma by the kernel magic 5d 00 and a sane header (a 4 KiB dictionary too)', () => {
    const data = corpus().subarray(0, 100_000);
    const small = native('xz', ['--format=lzma', '--lzma1=dict=4KiB', '-c'], data);
    expect(pure.detect(small)).toMatchObject({ format: 'lzma', kernelSupported: true });
    expect(sameBytes(pure.decode(small).output, data)).toBe(true);
    const insane = small.slice(0, 16);
    insane[3] = 0x13; // a dictionary that is no 2^n or 2^n + 2^(n-1)
    expect(pure.detect(insane).format).toBe('unknown');
  });

  it.runIf(hasTools('zstd', 'lz4'))('detects zstd and lz4 frames that begin with a skippable frame', () => {
    const skippable = new Uint8Array([0x5e, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7]);
    const data = new TextEncoder().encode('behind a skippable frame\n');
    const zstd = concat(skippable, native('zstd', ['-q', '-c'], data));
    const lz4 = concat(skippable, native('lz4', ['-q', '-c'], data));
    expect(pure.detect(zstd)).toMatchObject({ format: 'zstd', kernelSupported: false });
    expect(pure.detect(lz4)).toMatchObject({ format: 'lz4-frame', kernelSupported: false });
    expect(sameBytes(pure.decode(zstd).output, data)).toBe(true);
    expect(sameBytes(pure.decode(lz4).output, data)).toBe(true);
    expect(sameBytes(native('zstd', ['-dc'], zstd), data)).toBe(true);
  });
});

/** A one-block xz stream (no check) around `lzma2` data; `sizeField` is the block header's compressed size VLI. */
function xzStream(lzma2: number[], sizeField?: number[], uncompressed = 2): Uint8Array {
  const le32 = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
  const flags = [0, 0];
  const header = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, ...flags, ...le32(crc32(new Uint8Array(flags)))];
  const fields = [sizeField ? 0x40 : 0, ...(sizeField ?? []), 0x21, 1, 0x00];
  let block = [0, ...fields];
  while ((block.length + 4) % 4 !== 0) block.push(0);
  block[0] = (block.length + 4) / 4 - 1;
  block = [...block, ...le32(crc32(new Uint8Array(block)))];
  const data = [...lzma2];
  while (data.length % 4 !== 0) data.push(0);
  const vli = (value: number) => {
    const out: number[] = [];
    while (value >= 0x80) {
      out.push((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
    }
    return [...out, value];
  };
  const unpadded = block.length + lzma2.length;
  let index = [0, 1, ...vli(unpadded), ...vli(uncompressed)];
  while (index.length % 4 !== 0) index.push(0);
  index = [...index, ...le32(crc32(new Uint8Array(index)))];
  const backward = [...le32(index.length / 4 - 1), ...flags];
  const footer = [...le32(crc32(new Uint8Array(backward))), ...backward, 0x59, 0x5a];
  return new Uint8Array([...header, ...block, ...data, ...index, ...footer]);
}

describe.runIf(hasTools('xz'))('xz: corrupt where liblzma says so', () => {
  const stored = [0x01, 0x00, 0x01, 0x61, 0x62];
  const xzAccepts = (bytes: Uint8Array) =>
    native('sh', ['-c', 'xz -t - >/dev/null 2>&1 && echo ok || echo corrupt'], bytes);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();

  it('the hand-built stream is valid (the builder is right)', () => {
    const bytes = xzStream([...stored, 0x00], [6]);
    expect(text(xzAccepts(bytes))).toBe('ok');
    expect(new TextDecoder().decode(pure.decode(bytes).output)).toBe('ab');
  });

  it('an LZMA chunk without new properties after a dictionary reset', () => {
    // A real first chunk (control 0xe0: dictionary reset and properties), then a stored chunk that resets
    // the dictionary, then the same LZMA data again as 0xa0 (state reset, no properties): decodable
    // with the old properties, but liblzma requires new ones after a dictionary reset.
    const raw = [
      ...native('xz', ['--format=raw', '--lzma2=preset=0', '-c'], new TextEncoder().encode('a'.repeat(200))),
    ];
    expect(raw[0]).toBe(0xe0);
    const chunk = raw.slice(0, raw.length - 1);
    const again = [0xa0, ...chunk.slice(1, 5), ...chunk.slice(6)];
    const valid = xzStream([...chunk, ...stored, 0x00], undefined, 202);
    expect(text(xzAccepts(valid))).toBe('ok');
    expect(pure.decode(valid).output.length).toBe(202);
    const bytes = xzStream([...chunk, ...stored, ...again, 0x00], undefined, 402);
    expect(text(xzAccepts(bytes))).toBe('corrupt');
    expect(() => pure.decode(bytes)).toThrow(expect.objectContaining({ code: 'XZ_CORRUPT' }));
  });

  it('a non-minimally encoded integer in a block header', () => {
    const bytes = xzStream([...stored, 0x00], [0x86, 0x00]);
    expect(text(xzAccepts(bytes))).toBe('corrupt');
    expect(() => pure.decode(bytes)).toThrow(expect.objectContaining({ code: 'XZ_CORRUPT' }));
  });

  it('an LZMA chunk that needs properties before any were set (first chunk 0xa0 or 0xc0)', () => {
    const raw = [
      ...native('xz', ['--format=raw', '--lzma2=preset=0', '-c'], new TextEncoder().encode('a'.repeat(200))),
    ];
    const chunk = raw.slice(0, raw.length - 1);
    // 0xa0: state reset without properties; 0xc0: new properties but no dictionary reset, as a first chunk.
    for (const bytes of [
      xzStream([0xa0, ...chunk.slice(1, 5), ...chunk.slice(6), 0x00], undefined, 200),
      xzStream([0xc0, ...chunk.slice(1), 0x00], undefined, 200),
    ]) {
      expect(text(xzAccepts(bytes))).toBe('corrupt');
      expect(() => pure.decode(bytes)).toThrow(expect.objectContaining({ code: 'XZ_CORRUPT' }));
    }
  });

  it('a non-minimally encoded integer in the index', () => {
    const valid = xzStream([...stored, 0x00]);
    // The index's record count (1) written as 0x81 0x00: the index grows by one byte, which shifts
    // its padding; rebuild the stream's tail by hand from the valid one.
    const at = valid.length - 12 - 8; // index: indicator, count, unpadded, uncompressed, padding, CRC32
    expect(valid[at]).toBe(0);
    expect(valid[at + 1]).toBe(1);
    const le32 = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
    let index = [0, 0x81, 0x00, valid[at + 2]!, valid[at + 3]!];
    while (index.length % 4 !== 0) index.push(0);
    index = [...index, ...le32(crc32(new Uint8Array(index)))];
    const backward = [...le32(index.length / 4 - 1), 0, 0];
    const footer = [...le32(crc32(new Uint8Array(backward))), ...backward, 0x59, 0x5a];
    const bytes = new Uint8Array([...valid.subarray(0, at), ...index, ...footer]);
    expect(text(xzAccepts(bytes))).toBe('corrupt');
    expect(() => pure.decode(bytes)).toThrow(expect.objectContaining({ code: 'XZ_CORRUPT' }));
  });
});

describe.runIf(hasTools('gzip', 'xz', 'zstd'))('streaming decoders pause for their consumer', () => {
  const zeros = new Uint8Array(48 << 20);
  const bombs: [string, Uint8Array][] = [
    ['gzip', native('gzip', ['-1', '-c'], zeros)],
    ['xz', native('xz', ['-1', '-T1', '-c'], zeros)],
    ['lzma', native('xz', ['--format=lzma', '-1', '-c'], zeros)],
    ['zstd', native('zstd', ['-q', '-c'], zeros)],
  ];
  for (const [format, bomb] of bombs) {
    it(`${format}: the first chunk comes before the whole input is decoded (the limit is never reached)`, async () => {
      // The whole input is one piece: without backpressure the decoder would run to the 16 MiB limit
      // (and throw) before handing on anything. (gzip pauses at block ends; GNU gzip's blocks reach 8.4 MB.)
      const chunks = pure.decodeChunks(bomb, { maxOutputBytes: 16 << 20 });
      expect(chunks.next().done).toBe(false);
      chunks.return(undefined);
      const decoding = pure.decodeStreamExtent([bomb], format as pure.CompressionFormat, { maxOutputBytes: 16 << 20 });
      const iterator = decoding.chunks[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      await iterator.return?.(undefined);
    });
  }
});
