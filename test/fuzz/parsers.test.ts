/**
 * Fuzzing every parser in CI, for a bounded time each: inputs are the committed fixtures (the seed
 * corpus, each run as it is first) mutated by fast-check (byte flips, truncations, insertions, splices)
 * plus random bytes. A parser must return or throw an InitkitError; anything else (a TypeError, a
 * RangeError from an allocation) fails. The targets (targets.ts) run in a worker thread under a watchdog
 * (watchdog.ts): an input on which a parser makes no progress for FUZZ_STALL_SECONDS (10 by default)
 * fails naming the target, with the input saved under test/.artifacts/fuzz/ and shown in base64, and so
 * does a worker that runs out of its 1 GiB heap; an input after which more than 1 GiB of typed arrays is
 * held fails as an unbounded allocation. fast-check is not coverage-guided: @jazzer.js/core needs a
 * native build downloaded at install time, which this network does not allow. Executions per target are
 * printed (FUZZ_SECONDS sets the time per target, 2 s by default). The hostile cases in
 * fixtures/fuzz/<target>/ (written by fixtures/fuzz/make.ts) are replayed first, every run.
 */
import { decode } from '@initkit/compress';
import type { InitkitError } from '@initkit/core';
import { parseFdt } from '@initkit/fdt';
import { parseUImage } from '@initkit/uimage';
import { afterAll, describe, expect, it } from 'vitest';
import { TARGETS } from './targets.js';
import { FuzzWatchdog } from './watchdog.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 2);
const STALL_SECONDS = Number(process.env.FUZZ_STALL_SECONDS ?? 10);
/** A run's test timeout: its time, a hang's detection, a worker's start, and a loaded machine's slack. */
const RUN_TIMEOUT_MS = (SECONDS + STALL_SECONDS + 60) * 1000;

const watchdog = new FuzzWatchdog({
  targetsModule: new URL('./targets.ts', import.meta.url),
  stallSeconds: STALL_SECONDS,
});
const executionsPerTarget = new Map<string, number>();
afterAll(async () => {
  await watchdog.stop();
  if (executionsPerTarget.size > 0) {
    const lines = [...executionsPerTarget].map(([name, count]) => `  ${name}: ${count}`);
    console.log(`fuzz executions per target (${SECONDS} s each):\n${lines.join('\n')}`);
  }
});

describe('fuzz replay: the committed hostile cases in fixtures/fuzz/', () => {
  for (const target of TARGETS.filter((candidate) => candidate.replay !== undefined)) {
    it(
      `${target.name} (fixtures/fuzz/${target.replay}/)`,
      async () => {
        const { executions } = await watchdog.run(target.name, 0, target.replay);
        expect(executions).toBeGreaterThan(0);
      },
      RUN_TIMEOUT_MS,
    );
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
    it(
      `${target.name}`,
      async () => {
        const seeds = target.corpus().length;
        expect(seeds).toBeGreaterThan(0);
        const { executions } = await watchdog.run(target.name, SECONDS);
        executionsPerTarget.set(target.name, executions);
        console.log(`fuzz ${target.name}: ${executions} executions in ${SECONDS} s`);
        expect(executions).toBeGreaterThan(seeds);
      },
      RUN_TIMEOUT_MS,
    );
  }
});
