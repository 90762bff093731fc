/**
 * Run a native tool or the built initkit CLI and capture its output as bytes and text.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../apps/cli/bin/initkit.cjs', import.meta.url));

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Uint8Array;
}

export function run(command: string, args: string[], options: RunOptions = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input,
    maxBuffer: 1 << 30,
  });
  if (result.error) throw result.error;
  return {
    status: result.status ?? -1,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    stdoutBytes: result.stdout,
  };
}

/** Runs the built `initkit` CLI (build first: `pnpm build`). */
export function initkit(args: string[], options: RunOptions = {}): RunResult {
  return run(process.execPath, [cliPath, ...args], options);
}

/** Runs a command and throws with its stderr unless it exits 0. */
export function runOk(command: string, args: string[], options: RunOptions = {}): RunResult {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  }
  return result;
}
