/**
 * Plan assembly: the state a script left behind (environment, hush variables, console, loads, commands)
 * turned into the plain BootPlan the evaluator returns.
 */
import type { BootCommandPlan, BootPlan, CommandRecord, LoadRecord } from './plan.js';

/** What a finished (or booting) script leaves behind. */
export interface FinalState {
  env: ReadonlyMap<string, string>;
  locals: ReadonlyMap<string, string>;
  /** Everything printed, as one text. */
  console: string;
  loads: LoadRecord[];
  commands: CommandRecord[];
  status: number;
  warnings: string[];
}

export function assemblePlan(state: FinalState, bootPlan: BootCommandPlan | null): BootPlan {
  const env: Record<string, string> = {};
  for (const name of [...state.env.keys()].sort()) env[name] = state.env.get(name) as string;
  const locals: Record<string, string> = {};
  for (const [name, value] of state.locals) locals[name] = value;
  const output = state.console.split('\n');
  if (output[output.length - 1] === '') output.pop();
  return {
    bootargs: state.env.get('bootargs') ?? null,
    loads: state.loads,
    boot: bootPlan,
    env,
    locals,
    output,
    commands: state.commands,
    status: state.status,
    warnings: state.warnings,
  };
}
