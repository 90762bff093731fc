/**
 * The boot-loop guard: every kexec attempt is counted in a state file before the jump; the confirm unit,
 * which runs only in the kexec'd kernel, marks the boot good and clears the count. After
 * `max_unconfirmed` attempts in a row without a confirmation, `run` stops kexec'ing until
 * `archkernel-load reset`. Pure decisions over the state; the state file is written atomically.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@initkit/core/node';
import { appError } from './errors.js';

export interface BootLoopState {
  /** Kexec attempts since the last confirmed boot. */
  unconfirmed: number;
  /** ISO times. */
  lastAttempt: string | null;
  lastConfirmed: string | null;
  /** Release kexec'd at the last attempt. */
  lastRelease: string | null;
}

export const EMPTY_STATE: BootLoopState = { unconfirmed: 0, lastAttempt: null, lastConfirmed: null, lastRelease: null };

export function readState(path: string): BootLoopState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_STATE };
    throw appError('ARCHKERNEL_STATE', `cannot read ${path}: ${(error as Error).message}`, error);
  }
  try {
    const parsed = JSON.parse(text) as Partial<BootLoopState>;
    if (typeof parsed.unconfirmed !== 'number' || !Number.isInteger(parsed.unconfirmed) || parsed.unconfirmed < 0) {
      throw new Error(`"unconfirmed" must be a count, found ${JSON.stringify(parsed.unconfirmed)}`);
    }
    return { ...EMPTY_STATE, ...parsed } as BootLoopState;
  } catch (error) {
    throw appError(
      'ARCHKERNEL_STATE',
      `${path} is not a valid state file (${(error as Error).message}); \`archkernel-load reset\` rewrites it`,
      error,
    );
  }
}

export async function writeState(path: string, state: BootLoopState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(state, null, 2)}\n`), {
    mode: 0o644,
    durable: true,
  });
}

export interface LoopVerdict {
  tripped: boolean;
  detail: string;
}

export function checkBootLoop(state: BootLoopState, maxUnconfirmed: number): LoopVerdict {
  if (state.unconfirmed >= maxUnconfirmed) {
    return {
      tripped: true,
      detail: `${state.unconfirmed} kexec attempt(s) in a row were never confirmed (last at ${state.lastAttempt ?? 'unknown'}, limit ${maxUnconfirmed}): the kexec'd kernel does not come up; run \`archkernel-load reset\` to try again`,
    };
  }
  return { tripped: false, detail: `${state.unconfirmed} unconfirmed attempt(s) of ${maxUnconfirmed} allowed` };
}

export const recordAttempt = (state: BootLoopState, release: string, now: Date): BootLoopState => ({
  ...state,
  unconfirmed: state.unconfirmed + 1,
  lastAttempt: now.toISOString(),
  lastRelease: release,
});

export const confirmBoot = (state: BootLoopState, now: Date): BootLoopState => ({
  ...state,
  unconfirmed: 0,
  lastConfirmed: now.toISOString(),
});
