/**
 * Benchmark harness: runs initkit's workload and the native tool's equivalent alternately (warm-up,
 * then several timed runs each), takes medians, and reports ours/native as a ratio against the goal the
 * issue names. Results are printed as a table and written to bench/RESULTS.md, one section per area.
 * Timings are never asserted in tests; this is where they are measured.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** Scratch space for generated inputs (ignored by git). */
export const workDir = `${benchDir}work/`;
export const cliPath = `${repoRoot}apps/cli/bin/initkit.cjs`;

/** One timed thing: an in-process function or a whole process. */
export type Workload = () => unknown | Promise<unknown>;

export interface Comparison {
  name: string;
  /** Human description of the goal, e.g. "<= 1.5x". */
  goal: string;
  /** Largest acceptable ours/native time ratio (for "at least Nx faster" goals, 1/N). */
  maxRatio: number;
  ours: Workload;
  native: Workload;
  oursLabel?: string;
  nativeLabel?: string;
  runs?: number;
  warmup?: number;
}

export interface Row {
  name: string;
  ours: string;
  native: string;
  ratio: string;
  goal: string;
  met: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function time(workload: Workload): Promise<number> {
  const started = process.hrtime.bigint();
  await workload();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Runs both workloads alternately and returns the row for the results table. */
export async function compare(comparison: Comparison): Promise<Row> {
  const runs = comparison.runs ?? 5;
  const warmup = comparison.warmup ?? 1;
  for (let i = 0; i < warmup; i++) {
    await comparison.ours();
    await comparison.native();
  }
  const ours: number[] = [];
  const native: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first so a warm cache or a busy neighbour favours neither.
    if (i % 2 === 0) {
      ours.push(await time(comparison.ours));
      native.push(await time(comparison.native));
    } else {
      native.push(await time(comparison.native));
      ours.push(await time(comparison.ours));
    }
  }
  const oursMs = median(ours);
  const nativeMs = median(native);
  const ratio = oursMs / nativeMs;
  return {
    name: comparison.name,
    ours: `${comparison.oursLabel ? `${comparison.oursLabel}: ` : ''}${oursMs.toFixed(1)} ms`,
    native: `${comparison.nativeLabel ? `${comparison.nativeLabel}: ` : ''}${nativeMs.toFixed(1)} ms`,
    ratio: ratio.toFixed(2),
    goal: comparison.goal,
    met: ratio <= comparison.maxRatio,
  };
}

/** A row for a measured quantity that is not a time ratio (peak memory, say). */
export function measured(name: string, ours: string, native: string, ratio: number, goal: string, met: boolean): Row {
  return { name, ours, native, ratio: ratio.toFixed(2), goal, met };
}

export interface ShellOptions {
  stdin?: string;
  stdout?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A workload that runs a shell command line (pipelines allowed) and fails on a non-zero exit. */
export function shell(commandLine: string, options: ShellOptions = {}): Workload {
  return () => runShell(commandLine, options);
}

export function runShell(commandLine: string, options: ShellOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', commandLine], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stderr) : reject(new Error(`${commandLine} exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/** The `initkit` CLI as a shell word, for command lines. */
export const initkitCommand = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)}`;

/** Peak resident set size of a command line, in KiB, measured by GNU time. */
export async function peakRssKiB(commandLine: string, options: ShellOptions = {}): Promise<number> {
  const stderr = await runShell(
    `/usr/bin/time -f 'PEAK_RSS_KIB=%M' bash -o pipefail -c ${JSON.stringify(commandLine)}`,
    options,
  );
  const match = /PEAK_RSS_KIB=(\d+)/.exec(stderr);
  if (!match) throw new Error(`no peak RSS reported for ${commandLine}`);
  return Number(match[1]);
}

export function ensureWorkDir(area: string): string {
  const directory = `${workDir}${area}/`;
  mkdirSync(directory, { recursive: true });
  return directory;
}

/** Prints the table and replaces this area's section of bench/RESULTS.md. */
export function report(area: string, rows: Row[], notes: string[] = []): void {
  const header = '| benchmark | initkit | native | ratio | goal | met |\n|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) => `| ${r.name} | ${r.ours} | ${r.native} | ${r.ratio} | ${r.goal} | ${r.met ? 'yes' : '**no**'} |`,
  );
  const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${process.platform}/${process.arch}, Node ${process.version}.`;
  const section = [`## ${area}`, '', stamp, '', header, ...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
  console.log(`\n${section}\n`);

  const resultsPath = `${benchDir}RESULTS.md`;
  const begin = `<!-- ${area}:begin -->`;
  const end = `<!-- ${area}:end -->`;
  let text = existsSync(resultsPath)
    ? readFileSync(resultsPath, 'utf8')
    : '# Benchmark results\n\nWritten by `pnpm bench` (bench/run-all.ts); ratios are initkit time / native time, medians of alternating runs.\n';
  const block = `${begin}\n${section}\n${end}`;
  const pattern = new RegExp(`${begin}[\\s\\S]*?${end}`);
  text = pattern.test(text) ? text.replace(pattern, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(resultsPath, text);
}
