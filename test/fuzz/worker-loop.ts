/**
 * Inside the watchdog's worker thread: runs one target at a time when asked (its seeds as they are, then
 * fast-check's mutations of them and random bytes for the time given, or the committed replay cases), and
 * before each execution copies the input into shared memory and counts the execution there. That count
 * is the heartbeat the watchdog reads; the copy is what it saves when an input makes no progress.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { repoRoot } from '../harness/run.js';
import { HEADER_BYTES, HEARTBEAT } from './heartbeat.js';
import { survives } from './survives.js';
import type { Target } from './targets.js';

/** What the watchdog asks for. */
export interface RunRequest {
  target: string;
  /** Fuzz for this long (seeds first); or, with `replay`, run each committed case once. */
  seconds: number;
  /** A directory under fixtures/fuzz/ whose .bin cases are replayed instead of fuzzing. */
  replay?: string;
}

/** What the worker answers. */
export type RunReply =
  | { kind: 'started' }
  | { kind: 'done'; executions: number }
  | { kind: 'failed'; executions: number; message: string; input: Uint8Array };

/** One fixture with 1 to 8 edits: byte flips, cuts, insertions. */
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

/** Serves the watchdog's run requests for these targets. */
function serveRuns(targets: Target[], heartbeat: SharedArrayBuffer): void {
  const words = new Int32Array(heartbeat, 0, HEADER_BYTES / 4);
  const inputCopy = new Uint8Array(heartbeat, HEADER_BYTES);
  const port = parentPort!;

  port.on('message', (request: RunRequest) => {
    const reply = (answer: RunReply) => port.postMessage(answer);
    const target = targets.find((candidate) => candidate.name === request.target);
    if (!target) {
      const message = `no fuzz target named ${JSON.stringify(request.target)}`;
      reply({ kind: 'failed', executions: 0, message, input: new Uint8Array(0) });
      return;
    }
    let executions = 0;
    let failing: Uint8Array | undefined;
    const execute = (bytes: Uint8Array) => {
      const kept = Math.min(bytes.length, inputCopy.length);
      inputCopy.set(bytes.subarray(0, kept));
      Atomics.store(words, HEARTBEAT.inputLength, kept);
      Atomics.add(words, HEARTBEAT.executions, 1);
      executions++;
      try {
        survives(target, bytes);
      } catch (error) {
        failing = bytes;
        throw error;
      }
    };
    try {
      const seeds = request.replay
        ? readdirSync(join(repoRoot, 'fixtures/fuzz', request.replay))
            .filter((name) => name.endsWith('.bin'))
            .map((name) => new Uint8Array(readFileSync(join(repoRoot, 'fixtures/fuzz', request.replay!, name))))
        : target.corpus();
      if (seeds.length === 0) throw new Error(`${target.name}: no seeds`);
      reply({ kind: 'started' });
      for (const seed of seeds) execute(seed);
      if (!request.replay) {
        const input = fc.oneof(
          { arbitrary: mutated(seeds), weight: 4 },
          { arbitrary: fc.uint8Array({ maxLength: 4096 }), weight: 1 },
        );
        fc.assert(fc.property(input, execute), {
          numRuns: 1_000_000_000,
          interruptAfterTimeLimit: request.seconds * 1000,
          markInterruptAsFailure: false,
        });
      }
      reply({ kind: 'done', executions });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      reply({ kind: 'failed', executions, message, input: failing ?? new Uint8Array(0) });
    }
  });
}

/** Started as the worker: loads the targets module named in workerData, then serves run requests. */
export async function startWorker(): Promise<void> {
  const { targetsModule, heartbeat } = workerData as { targetsModule: string; heartbeat: SharedArrayBuffer };
  const { TARGETS } = (await import(targetsModule)) as { TARGETS: Target[] };
  serveRuns(TARGETS, heartbeat);
  parentPort!.postMessage({ kind: 'ready' });
}
