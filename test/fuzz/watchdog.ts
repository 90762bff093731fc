/**
 * Runs fuzz targets in a worker thread it can terminate. The worker counts each execution in shared memory
 * and copies the input there first; when the count stands still for `stallSeconds`, one input is looping
 * (or crawling) inside a parser: the watchdog terminates the worker, saves that input under
 * test/.artifacts/fuzz/ and fails naming the target, the file and the input in base64. A worker that dies
 * (out of memory under its heap limit) is reported the same way, and so is an input that throws something
 * other than an InitkitError. The next run starts a fresh worker.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { repoRoot } from '../harness/run.js';
import { HEADER_BYTES, HEARTBEAT, MAX_SEED_BYTES } from './heartbeat.js';
import type { RunReply, RunRequest } from './worker-loop.js';

export interface WatchdogOptions {
  /** The module whose TARGETS the worker runs (a file URL). */
  targetsModule: URL;
  /** Seconds one execution may take before it counts as a hang (10 by default). */
  stallSeconds?: number;
  /** Where failing inputs are saved (test/.artifacts/fuzz/ by default; ignored by git). */
  artifactDir?: string;
}

export type FuzzFailureKind = 'hang' | 'crash' | 'error';

/** A target that hung, crashed its worker or threw something other than an InitkitError. */
export class FuzzFailure extends Error {
  constructor(
    readonly target: string,
    readonly kind: FuzzFailureKind,
    readonly input: Uint8Array,
    readonly inputFile: string,
    what: string,
  ) {
    const base64 = Buffer.from(input).toString('base64');
    const shown = base64.length <= 4096 ? base64 : `${base64.slice(0, 4096)}... (${base64.length} characters)`;
    super(
      `fuzz target ${JSON.stringify(target)}: ${what}; the ${input.length}-byte input is saved as ${inputFile} ` +
        `(reproduce: npx tsx test/fuzz/reproduce.ts ${JSON.stringify(target)} ${inputFile}); base64: ${shown}`,
    );
    this.name = 'FuzzFailure';
  }
}

/** Executions done in the time given (seeds included). */
export interface FuzzRun {
  executions: number;
}

/** Room for the largest seed plus a mutation's 8 inserted bytes, and more. */
const INPUT_BYTES = MAX_SEED_BYTES + 4096;
/** A fuzzing worker's old-generation heap: an input that needs more is an unbounded allocation. */
const WORKER_HEAP_MB = 1024;
const POLL_MS = 100;

export class FuzzWatchdog {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly heartbeat = new SharedArrayBuffer(HEADER_BYTES + INPUT_BYTES);
  private readonly words = new Int32Array(this.heartbeat, 0, HEADER_BYTES / 4);
  private readonly stallMs: number;
  private readonly artifactDir: string;

  constructor(private readonly options: WatchdogOptions) {
    this.stallMs = (options.stallSeconds ?? 10) * 1000;
    this.artifactDir = options.artifactDir ?? join(repoRoot, 'test/.artifacts/fuzz');
  }

  /** Fuzzes `target` for `seconds` (or replays the committed cases in fixtures/fuzz/`replay`). */
  async run(target: string, seconds: number, replay?: string): Promise<FuzzRun> {
    const worker = await this.start();
    const request: RunRequest = { target, seconds, ...(replay ? { replay } : {}) };
    return new Promise<FuzzRun>((resolve, reject) => {
      let lastCount = Atomics.load(this.words, HEARTBEAT.executions);
      let lastChange = Date.now();
      let started = false;
      const finish = (outcome: () => void) => {
        clearInterval(poll);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        outcome();
      };
      const fail = (kind: FuzzFailureKind, what: string, input = this.currentInput()) => {
        const failure = new FuzzFailure(target, kind, input, this.save(target, input), what);
        finish(() => reject(failure));
      };
      const poll = setInterval(() => {
        const count = Atomics.load(this.words, HEARTBEAT.executions);
        if (count !== lastCount || !started) {
          lastCount = count;
          lastChange = Date.now();
          return;
        }
        if (Date.now() - lastChange < this.stallMs) return;
        const input = this.currentInput();
        void this.stop();
        fail('hang', `no execution finished for ${this.stallMs / 1000} s (a hang)`, input);
      }, POLL_MS);
      const onMessage = (reply: RunReply) => {
        if (reply.kind === 'started') {
          started = true;
          lastChange = Date.now();
        } else if (reply.kind === 'done') finish(() => resolve({ executions: reply.executions }));
        else fail('error', `threw other than an InitkitError:\n${reply.message}\n`, reply.input);
      };
      const onError = (error: Error) => {
        const input = this.currentInput();
        this.forget();
        fail('crash', `the worker died: ${error.message}`, input);
      };
      const onExit = (code: number) => onError(new Error(`exit code ${code}`));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(request);
    });
  }

  /** Terminates the worker (a later run starts another). */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.forget();
    await worker?.terminate();
  }

  private forget(): void {
    this.worker = undefined;
    this.ready = undefined;
  }

  private async start(): Promise<Worker> {
    if (!this.worker) {
      const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
        workerData: { targetsModule: this.options.targetsModule.href, heartbeat: this.heartbeat },
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
        stdout: false,
        stderr: false,
      });
      this.worker = worker;
      this.ready = new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the fuzz worker exited (${code}) before it was ready`)));
      });
    }
    await this.ready;
    return this.worker!;
  }

  /** The input the worker copied before its last execution. */
  private currentInput(): Uint8Array {
    const length = Atomics.load(this.words, HEARTBEAT.inputLength);
    return new Uint8Array(this.heartbeat, HEADER_BYTES, length).slice();
  }

  /** Saves a failing input as <target>-<sha256 prefix>.bin; returns its path (from the repository's root inside it). */
  private save(target: string, input: Uint8Array): string {
    mkdirSync(this.artifactDir, { recursive: true });
    const slug = target.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const digest = createHash('sha256').update(input).digest('hex').slice(0, 12);
    const path = join(this.artifactDir, `${slug}-${digest}.bin`);
    writeFileSync(path, input);
    return path.startsWith(repoRoot) ? relative(repoRoot, path) : path;
  }
}
