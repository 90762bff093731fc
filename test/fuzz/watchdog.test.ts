/**
 * The fuzz watchdog itself: a target that loops forever on one input fails the run (instead of waiting for
 * CI's overall time limit), naming the target and the input (base64 and a saved file), and the next run
 * gets a fresh worker; a TypeError fails with its input too. The targets are watchdog-targets.ts, which
 * only this test uses.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/run.js';
import { useTempDir } from '../harness/temp.js';
import { FuzzFailure, FuzzWatchdog } from './watchdog.js';
import { HANGING_INPUT } from './watchdog-targets.js';

const temp = useTempDir('initkit-fuzz-watchdog-');

async function failureOf(run: Promise<unknown>): Promise<FuzzFailure> {
  const outcome = await run.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(FuzzFailure);
  return outcome as FuzzFailure;
}

const savedBytes = (failure: FuzzFailure) =>
  new Uint8Array(readFileSync(isAbsolute(failure.inputFile) ? failure.inputFile : join(repoRoot, failure.inputFile)));

describe('the fuzz watchdog', () => {
  const watchdog = new FuzzWatchdog({
    targetsModule: new URL('./watchdog-targets.ts', import.meta.url),
    stallSeconds: 2,
    artifactDir: temp(),
  });
  afterAll(() => watchdog.stop());

  // Bounded by this test's timeout: the worker's start, the 2 s without a heartbeat, the termination.
  it('fails a target that loops forever, naming the target and the input, and saves the input', async () => {
    const failure = await failureOf(watchdog.run('loops forever on "hang!"', 60));
    expect(failure.kind).toBe('hang');
    expect(failure.target).toBe('loops forever on "hang!"');
    expect(failure.message).toContain('fuzz target "loops forever on \\"hang!\\""');
    expect(failure.message).toContain('no execution finished for 2 s');
    expect(failure.message).toContain(`base64: ${Buffer.from(HANGING_INPUT).toString('base64')}`);
    expect(failure.input).toEqual(HANGING_INPUT);
    expect(savedBytes(failure)).toEqual(HANGING_INPUT);
  }, 30_000);

  it('runs the next target in a fresh worker after a hang, and counts its executions', async () => {
    const { executions } = await watchdog.run('returns for everything', 1);
    expect(executions).toBeGreaterThan(1);
  }, 30_000);

  it('fails a target that throws other than an InitkitError, with the input', async () => {
    const failure = await failureOf(watchdog.run('throws a TypeError on 0xff', 1));
    expect(failure.kind).toBe('error');
    expect(failure.message).toContain('TypeError: not a parser error');
    expect(failure.input).toEqual(new Uint8Array([0xff, 0xfe]));
    expect(savedBytes(failure)).toEqual(new Uint8Array([0xff, 0xfe]));
  }, 30_000);
});
