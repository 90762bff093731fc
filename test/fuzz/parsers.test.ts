/**
 * Fuzzing every parser in CI, for a bounded time each: inputs are the committed fixtures (the seed
 * corpus) mutated by fast-check (byte flips, truncations, insertions, splices) plus random bytes. A
 * parser must return or throw an InitkitError; anything else (a TypeError, a RangeError from an
 * allocation) fails, and a hang fails through the test timeout. fast-check is not coverage-guided:
 * @jazzer.js/core needs a native build downloaded at install time, which this network does not allow.
 * An input after which more than 1 GiB of typed arrays is held fails as an unbounded allocation.
 * Executions per target are printed (FUZZ_SECONDS sets the time per target, 2 s by default). The hostile
 * cases in fixtures/fuzz/<target>/ (written by fixtures/fuzz/make.ts) are replayed first, every run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHush } from '@initkit/bootscript';
import { decode } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { readCpio } from '@initkit/cpio';
import { formatDts, parseFdt } from '@initkit/fdt';
import { readInitrd } from '@initkit/initramfs';
import { KmodIndex, parseModulesDep, readKernelModule } from '@initkit/kmod';
import { decodePacket } from '@initkit/tftp';
import { parseUImage } from '@initkit/uimage';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/run.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 2);
const LIMIT = 16 << 20;

function files(directory: string, pattern: RegExp): Uint8Array[] {
  const root = join(repoRoot, directory);
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => pattern.test(name))
    .map((name) => new Uint8Array(readFileSync(join(root, name))))
    .filter((bytes) => bytes.length <= 4 << 20);
}

/** One fixture, mutated. */
function mutated(corpus: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const seed = fc.constantFrom(...corpus);
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  );
  return fc.tuple(seed, fc.array(edit, { minLength: 1, maxLength: 8 })).map(([bytes, edits]) => {
    let out = bytes.slice();
    for (const { kind, at, value } of edits) {
      const position = out.length === 0 ? 0 : at % out.length;
      if (kind === 'flip') out[position] = value;
      else if (kind === 'cut') out = out.subarray(0, position);
      else out = new Uint8Array([...out.subarray(0, position), value, ...out.subarray(position)]);
    }
    return out;
  });
}

interface Target {
  name: string;
  corpus: () => Uint8Array[];
  parse: (bytes: Uint8Array) => unknown;
  /** The directory under fixtures/fuzz/ whose committed cases are replayed, when there is one. */
  replay?: string;
}

const text = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);

const TARGETS: Target[] = [
  {
    name: 'uImage',
    corpus: () => files('fixtures/uimage', /\.uimg$/),
    parse: (b) => parseUImage(b),
    replay: 'uimage',
  },
  { name: 'cpio', corpus: () => files('fixtures/cpio', /\.cpio$/), parse: (b) => readCpio(b), replay: 'cpio' },
  ...['gz', 'xz', 'zst', 'lz4', 'lzma', 'lzo', 'bz2'].map((suffix) => ({
    name: `decode .${suffix}`,
    corpus: () => files('fixtures/compress', new RegExp(`\\.${suffix}$`)),
    parse: (b: Uint8Array) => decode(b, { maxOutputBytes: LIMIT }),
  })),
  {
    name: 'ELF module',
    corpus: () => files('fixtures/archkernel/modules', /\.ko$/),
    parse: (b) => readKernelModule(b),
  },
  {
    name: 'kmod index',
    corpus: () => files('fixtures/archkernel/modules', /\.bin$/),
    parse: (b) => new KmodIndex(b).entries(),
  },
  {
    name: 'modules.dep',
    corpus: () => files('fixtures/archkernel/modules', /modules\.dep$/),
    parse: (b) => parseModulesDep(text(b)),
  },
  {
    name: 'boot script',
    corpus: () => files('fixtures/bootscript/scripts', /\.txt$/),
    parse: (b) => parseHush(text(b)),
  },
  {
    name: 'TFTP packet',
    corpus: () => [
      new Uint8Array([0, 1, ...new TextEncoder().encode('file\0octet\0blksize\x001468\0tsize\x000\0')]),
      new Uint8Array([0, 3, 0, 1, 1, 2, 3]),
      new Uint8Array([0, 4, 0, 1]),
      new Uint8Array([0, 5, 0, 1, ...new TextEncoder().encode('not found\0')]),
      new Uint8Array([0, 6, ...new TextEncoder().encode('blksize\x001468\0')]),
    ],
    parse: (b) => decodePacket(b),
    replay: 'tftp',
  },
  {
    name: 'device tree',
    corpus: () => files('fixtures/fdt', /\.dtb$/),
    parse: (b) => formatDts(parseFdt(b)),
    replay: 'fdt',
  },
  {
    name: 'initrd',
    corpus: () => files('fixtures/initramfs', /\.(img|uimg)$/),
    parse: (b) => readInitrd(b, { maxMemberBytes: LIMIT }),
  },
];

/**
 * Memory outside the JS heap (typed arrays) an input may leave behind: far above what any parser needs
 * for a 4 MiB input under a 16 MiB output limit, and above what garbage gathers between collections.
 */
const MAX_ARRAY_BUFFER_BYTES = 1 << 30;

/**
 * Runs one input; anything thrown that is not an InitkitError propagates, and so does an allocation
 * that left more than MAX_ARRAY_BUFFER_BYTES of typed arrays behind (a size field trusted unbounded:
 * one that reaches 2 GiB throws a RangeError, one below it would pass unnoticed).
 */
function survives(target: Target, bytes: Uint8Array): void {
  try {
    target.parse(bytes);
  } catch (error) {
    if (!(error instanceof InitkitError)) throw error;
  }
  const held = process.memoryUsage().arrayBuffers;
  if (held > MAX_ARRAY_BUFFER_BYTES) {
    throw new Error(`${target.name}: ${held} bytes of typed arrays after a ${bytes.length}-byte input`);
  }
}

describe('fuzz replay: the committed hostile cases in fixtures/fuzz/', () => {
  for (const target of TARGETS.filter((candidate) => candidate.replay !== undefined)) {
    it(`${target.name} (fixtures/fuzz/${target.replay}/)`, () => {
      const cases = files(`fixtures/fuzz/${target.replay}`, /\.bin$/);
      expect(cases.length).toBeGreaterThan(0);
      for (const bytes of cases) survives(target, bytes);
    });
  }

  it('the 2-byte input "XY" is a bad magic for every reader of a magic, not a truncation', () => {
    const xy = new TextEncoder().encode('XY');
    const code = (parse: (bytes: Uint8Array) => unknown) => {
      try {
        parse(xy);
        return 'accepted';
      } catch (error) {
        return (error as InitkitError).code;
      }
    };
    expect(code((b) => parseFdt(b))).toBe('FDT_BAD_MAGIC');
    expect(code((b) => parseUImage(b))).toBe('UIMAGE_BAD_MAGIC');
    expect(code((b) => decode(b))).toBe('COMPRESS_BAD_MAGIC');
    for (const [format, prefix] of [
      ['gzip', 'GZIP'],
      ['xz', 'XZ'],
      ['zstd', 'ZSTD'],
      ['lz4', 'LZ4'],
      ['lzo', 'LZO'],
      ['bzip2', 'BZIP2'],
    ] as const) {
      expect(code((b) => decode(b, { format }))).toBe(`${prefix}_BAD_MAGIC`);
    }
  });
});

describe('fuzz: every parser returns or throws InitkitError', () => {
  for (const target of TARGETS) {
    it(`${target.name}`, () => {
      const corpus = target.corpus();
      expect(corpus.length).toBeGreaterThan(0);
      let executions = 0;
      const input = fc.oneof(
        { arbitrary: mutated(corpus), weight: 4 },
        { arbitrary: fc.uint8Array({ maxLength: 4096 }), weight: 1 },
      );
      fc.assert(
        fc.property(input, (bytes) => {
          executions++;
          survives(target, bytes);
        }),
        { numRuns: 1_000_000, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false },
      );
      console.log(`fuzz ${target.name}: ${executions} executions in ${SECONDS} s`);
      expect(executions).toBeGreaterThan(0);
    }, 60_000);
  }
});
