/**
 * The Node build's native decoders (the system's libzstd and liblzma through koffi) against this
 * package's TypeScript decoders, the oracle: every engine this machine has (TypeScript, node:zlib,
 * libzstd; TypeScript, liblzma) decodes the same cases, one-shot, chunk by chunk and streaming, with the
 * same output, extent, limits and error codes; the fallback order holds when a library does not load;
 * and koffi is loaded only by the first zstd, xz or lzma decode.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import * as pure from '../src/index.js';
import * as node from '../src/node/index.js';
import { liblzma, libzstd, resetNativeLibraries } from '../src/node/native.js';
import { collect, concat, corpus, lentPieces, native, outcome, pieces, sameBytes } from './corpus.js';

type Api = typeof pure;
type Engine = { name: string; api: Api; setup: () => void };

const missing = 'libinitkit-test-missing.so.0';
const engines = {
  typescript: { name: 'typescript', api: pure, setup: () => resetNativeLibraries() },
  'node:zlib': {
    name: 'node:zlib',
    api: node as unknown as Api,
    setup: () => resetNativeLibraries({ libzstd: missing, liblzma: missing }),
  },
  native: { name: 'libzstd/liblzma', api: node as unknown as Api, setup: () => resetNativeLibraries() },
} satisfies Record<string, Engine>;

afterEach(() => resetNativeLibraries());

/** Decodes `bytes` in all three ways with one engine: one-shot, decodeChunks, decodeStreamExtent. */
function ways(api: Api, format: pure.CompressionFormat) {
  return [
    ['one-shot', async (bytes: Uint8Array, options: pure.DecodeOptions) => api.decodeFormat(format, bytes, options)],
    [
      'chunks',
      async (bytes: Uint8Array, options: pure.DecodeOptions) => ({
        output: concat(...api.decodeChunks(bytes, { ...options, format })),
        consumed: undefined,
      }),
    ],
    [
      'streaming',
      async (bytes: Uint8Array, options: pure.DecodeOptions) => {
        const decoding = api.decodeStreamExtent(pieces(bytes, 4099), format, options);
        return { output: await collect(decoding.chunks), consumed: decoding.consumed() };
      },
    ],
    [
      // Each chunk copied before the next is asked for: the Node build's libzstd and liblzma reuse one buffer;
      // and the input read into one buffer too (a decoder copies each piece before it asks for the next).
      'streaming, chunks reused',
      async (bytes: Uint8Array, options: pure.DecodeOptions) => {
        const decoding = api.decodeStreamExtent(lentPieces(bytes, 4099), format, { ...options, reuseChunks: true });
        const copies: Uint8Array[] = [];
        for await (const chunk of decoding.chunks) copies.push(chunk.slice());
        return { output: concat(...copies), consumed: decoding.consumed() };
      },
    ],
  ] as const;
}

type Case = [name: string, bytes: Uint8Array, options: pure.DecodeOptions, expected: string, streamedNative?: string];

/**
 * Runs every case through every engine and way against the TypeScript decoder's outcome for the same
 * way (the oracle; its one-shot outcome is `expected`); `streamedNative`, where given, is what the native
 * decoders report by chunks and streaming instead (see the case).
 */
function checkCases(
  format: pure.CompressionFormat,
  engineList: Engine[],
  cases: () => Case[],
  input: () => Uint8Array,
) {
  it('same output, extent, limits and error codes on every engine and way', async () => {
    for (const [name, bytes, options, expected, streamedNative] of cases()) {
      for (const [index, [way, decodeWith]] of ways(pure, format).entries()) {
        engines.typescript.setup();
        const oracle = await outcome(() => decodeWith(bytes, options));
        if (way === 'one-shot') expect(`${way}: ${name}: ${oracle}`).toBe(`${way}: ${name}: ${expected}`);
        for (const engine of engineList) {
          engine.setup();
          const decodeWithEngine = ways(engine.api, format)[index]![1];
          const wanted =
            way !== 'one-shot' && engine === engines.native && streamedNative !== undefined ? streamedNative : oracle;
          const label = `${engine.name} ${way}: ${name}`;
          expect(`${label}: ${await outcome(() => decodeWithEngine(bytes, options))}`).toBe(`${label}: ${wanted}`);
          if (wanted !== 'ok') continue;
          const { output, consumed } = await decodeWithEngine(bytes, options);
          expect(sameBytes(output, input()), label).toBe(true);
          const trailing = name.includes('trailing') ? tail.length : 0;
          if (consumed !== undefined) expect(consumed, label).toBe(bytes.length - trailing);
        }
      }
    }
  }, 120_000);
}

const tail = new Uint8Array([0, 0, 0, 1, 0x1f, 0x8b]);

/** Five corpora, over 4 MiB: several chunks, and a first chunk that is not the whole output. */
function largeCorpus(): Uint8Array {
  const reversed = corpus().slice().reverse();
  return concat(corpus(), reversed, corpus(), reversed, corpus());
}

/** `input` compressed by the zstd and xz tools. */
function nativeEncodings(input: Uint8Array) {
  return { zstd: native('zstd', ['-q', '-c'], input), xz: native('xz', ['-c'], input) };
}

/** zstd and xz (compressed by the tools) x the three drivers x reuseChunks on and off, with a label. */
function streamingCases(input: Uint8Array) {
  const encoded = nativeEncodings(input);
  return (['zstd', 'xz'] as const).flatMap((format) =>
    streamingWays(encoded[format], format).flatMap(([way, chunks]) =>
      [true, false].map((reuseChunks) => ({
        format,
        chunks,
        reuseChunks,
        label: `${format} ${way} reuseChunks ${reuseChunks}`,
      })),
    ),
  );
}

/** The Node build's three streaming drivers over `encoded`, each started with extra options. */
function streamingWays(
  encoded: Uint8Array,
  format: 'zstd' | 'xz',
): [string, (options?: pure.DecodeOptions) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>][] {
  return [
    ['decodeChunks', (options) => node.decodeChunks(encoded, { ...options, format })],
    ['decodeStream', (options) => node.decodeStream(pieces(encoded, 1 << 16), { ...options, format })],
    ['decodeStreamExtent', (options) => node.decodeStreamExtent(pieces(encoded, 1 << 16), format, options).chunks],
  ];
}

describe('native engines', () => {
  it('libzstd and liblzma are used where koffi and the libraries load, else node:zlib, else TypeScript', () => {
    resetNativeLibraries();
    const loaded = node.decodingEngines();
    // koffi is a dev dependency; Debian's zstd and xz-utils depend on libzstd1 and liblzma5.
    if (hasTools('zstd', 'xz')) expect(loaded).toEqual({ zstd: 'libzstd', xz: 'liblzma' });
    resetNativeLibraries({ libzstd: missing });
    expect(node.decodingEngines()).toEqual({ zstd: node.NODE_HAS_ZSTD ? 'node:zlib' : 'typescript', xz: 'liblzma' });
    resetNativeLibraries({ libzstd: missing, liblzma: missing });
    expect(node.decodingEngines()).toEqual({ zstd: node.NODE_HAS_ZSTD ? 'node:zlib' : 'typescript', xz: 'typescript' });
    process.env.INITKIT_COMPRESS_NATIVE = '0';
    try {
      resetNativeLibraries();
      expect(node.decodingEngines().xz).toBe('typescript');
    } finally {
      delete process.env.INITKIT_COMPRESS_NATIVE;
    }
  });

  describe.runIf(hasTools('zstd'))('zstd', () => {
    const input = corpus();
    const multi = concat(
      new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]),
      native('zstd', ['-q', '-c'], input.subarray(0, 300_000)),
      native('sh', ['-c', 'cat | zstd -q -19 -c'], input.subarray(300_000)),
    );
    const corruptChecksum = multi.slice();
    corruptChecksum[corruptChecksum.length - 1]! ^= 0xff;
    const corruptBlock = multi.slice();
    for (let at = 60_000; at < 60_064; at++) corruptBlock[at]! ^= 0x5a;
    checkCases(
      'zstd',
      [engines.typescript, engines['node:zlib'], engines.native],
      () => [
        ['skippable + two frames (one without a content size)', multi, {}, 'ok'],
        ['trailing bytes after the last frame', concat(multi, tail), {}, 'ok'],
        ['a wrong content checksum', corruptChecksum, {}, 'ZSTD_BAD_CHECKSUM'],
        ['corrupt block data', corruptBlock, {}, 'ZSTD_BAD_CHECKSUM'],
        ['truncated in a block', multi.subarray(0, multi.length - 1000), {}, 'ZSTD_TRUNCATED'],
        ['truncated in a frame header', multi.subarray(0, 11 + 6), {}, 'ZSTD_TRUNCATED'],
        ['over maxOutputBytes', multi, { maxOutputBytes: 100_000 }, 'COMPRESS_OUTPUT_TOO_LARGE'],
        ['over an explicit maxRatio', multi, { maxRatio: 1.01 }, 'COMPRESS_RATIO_TOO_LARGE'],
      ],
      () => input,
    );

    it('one-shot errors through libzstd are the TypeScript decoder’s, message and offset', () => {
      resetNativeLibraries();
      expect(node.decodingEngines().zstd).toBe('libzstd');
      for (const bytes of [corruptChecksum, corruptBlock, multi.subarray(0, multi.length - 1000)]) {
        const messages = [pure, node].map((api) => {
          try {
            api.decodeZstd(bytes);
            return 'ok';
          } catch (error) {
            return `${(error as Error).message} @${(error as { offset?: number }).offset}`;
          }
        });
        expect(messages[0]).not.toBe('ok');
        expect(messages[1]).toBe(messages[0]);
      }
    });
  });

  describe.runIf(hasTools('xz'))('xz and lzma', () => {
    const input = corpus();
    const first = native('xz', ['-c', '-T1', '--check=crc32'], input.subarray(0, 200_000));
    const second = native('xz', ['-c', '-T1', '--check=sha256', '--arm', '--lzma2'], input.subarray(200_000));
    // Two streams with stream padding between them, the second through the ARM BCJ filter (zImage payloads).
    const streams = concat(first, new Uint8Array(8), second);
    const lzma = native('xz', ['-c', '--format=lzma'], input);
    checkCases(
      'xz',
      [engines.typescript, engines.native],
      () => [
        ['two streams, padding between, ARM BCJ and SHA-256', streams, {}, 'ok'],
        ['trailing bytes after the last stream', concat(streams, tail), {}, 'ok'],
        ['truncated in a block', streams.subarray(0, streams.length - 5000), {}, 'XZ_TRUNCATED'],
        ['not xz', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), {}, 'XZ_BAD_MAGIC'],
        ['over maxOutputBytes', streams, { maxOutputBytes: 100_000 }, 'COMPRESS_OUTPUT_TOO_LARGE'],
        ['over an explicit maxRatio', streams, { maxRatio: 1.01 }, 'COMPRESS_RATIO_TOO_LARGE'],
      ],
      () => input,
    );

    it('a failed check: XZ_BAD_CHECKSUM one-shot and by chunks (re-derived), XZ_CORRUPT from liblzma streaming', async () => {
      const bad = native('xz', ['-c', '-T1', '--check=crc64'], input.subarray(0, 100_000)).slice();
      // The block's CRC-64 sits just before the index: 8 bytes before the index indicator (0x00).
      const indexAt = findIndex(bad);
      bad[indexAt - 1]! ^= 0xff;
      for (const engine of [engines.typescript, engines.native]) {
        engine.setup();
        expect(await outcome(async () => engine.api.decodeXz(bad))).toBe('XZ_BAD_CHECKSUM');
        expect(await outcome(async () => [...engine.api.decodeChunks(bad)])).toBe('XZ_BAD_CHECKSUM');
        const decoding = engine.api.decodeStreamExtent(pieces(bad, 4099), 'xz');
        expect(await outcome(() => collect(decoding.chunks))).toBe(
          engine === engines.native ? 'XZ_CORRUPT' : 'XZ_BAD_CHECKSUM',
        );
      }
      // The one-shot message and offset are the TypeScript decoder's.
      engines.native.setup();
      const messageOf = (api: Api) => {
        try {
          api.decodeXz(bad);
          return 'ok';
        } catch (error) {
          return `${(error as Error).message} @${(error as { offset?: number }).offset}`;
        }
      };
      expect(messageOf(node as unknown as Api)).toBe(messageOf(pure));
    });

    checkCases(
      'lzma',
      [engines.typescript, engines.native],
      () => [
        ['.lzma with a known size', lzma, {}, 'ok'],
        ['truncated .lzma', lzma.subarray(0, lzma.length - 3000), {}, 'LZMA_TRUNCATED'],
        // The TypeScript streaming .lzma decoder sizes its window by maxOutputBytes and so reports the
        // overrun as a distance past the window (LZMA_CORRUPT); liblzma reaches the limit itself.
        [
          'over maxOutputBytes',
          lzma,
          { maxOutputBytes: 100_000 },
          'COMPRESS_OUTPUT_TOO_LARGE',
          'COMPRESS_OUTPUT_TOO_LARGE',
        ],
      ],
      () => input,
    );
  });

  it.runIf(hasTools('zstd', 'xz'))(
    'a consumer that stops after the first chunk still frees the native context',
    async () => {
      const input = largeCorpus();
      for (const { format, chunks, reuseChunks, label } of streamingCases(input)) {
        resetNativeLibraries();
        let freed = 0;
        // What ends a native context: ZSTD_freeDCtx, lzma_end.
        const lib = (format === 'zstd' ? libzstd() : liblzma()) as unknown as Record<
          string,
          (handle: unknown) => unknown
        >;
        const key = format === 'zstd' ? 'freeDCtx' : 'end';
        const release = lib[key]!;
        lib[key] = Object.assign((handle: unknown) => {
          freed++;
          return release(handle);
        }, release);
        let seen = 0;
        for await (const chunk of chunks({ reuseChunks })) {
          seen += chunk.length;
          break;
        }
        expect(seen, label).toBeGreaterThan(0);
        expect(seen, label).toBeLessThan(input.length);
        expect(freed, label).toBe(1);
      }
      resetNativeLibraries();
    },
  );

  it.runIf(hasTools('zstd', 'xz'))(
    'reuseChunks: libzstd and liblzma write every chunk into one buffer, each whole until the next is asked for',
    async () => {
      const input = largeCorpus();
      for (const { chunks, reuseChunks, label } of streamingCases(input)) {
        resetNativeLibraries();
        const copies: Uint8Array[] = [];
        const buffers = new Set<ArrayBufferLike>();
        // Copied as each arrives: with reuseChunks, a chunk held past the next one would be overwritten.
        for await (const chunk of chunks({ reuseChunks })) {
          copies.push(chunk.slice());
          buffers.add(chunk.buffer);
        }
        expect(sameBytes(concat(...copies), input), label).toBe(true);
        expect(copies.length, label).toBeGreaterThan(2);
        expect(buffers.size, label).toBe(reuseChunks ? 1 : copies.length);
      }
    },
  );

  it('koffi is loaded by the first zstd or xz decode, not by importing the package or decoding gzip', () => {
    const entry = fileURLToPath(new URL('../dist/node/index.js', import.meta.url));
    const script = `
      import { readFileSync } from 'node:fs';
      import { gzipSync } from 'node:zlib';
      const compress = await import(${JSON.stringify(entry)});
      const loaded = () => readFileSync('/proc/self/maps', 'utf8').includes('koffi.node');
      const steps = [loaded()];
      compress.decode(gzipSync(new Uint8Array(10)));
      steps.push(loaded());
      compress.decodingEngines();
      steps.push(loaded());
      console.log(JSON.stringify(steps));`;
    const steps = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
    );
    expect(steps).toEqual([false, false, true]);
  });
});

/** Offset of an xz stream's index indicator: the last 0x00 found by walking back from the footer's backward size. */
function findIndex(stream: Uint8Array): number {
  const footer = stream.length - 12;
  const backwardSize = ((stream[footer + 4]! | (stream[footer + 5]! << 8) | (stream[footer + 6]! << 16)) + 1) * 4;
  return footer - backwardSize;
}
