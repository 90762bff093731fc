/**
 * U-Boot's cmd_process() for the evaluator: find a command by its exact name or a unique prefix, run its
 * handler, record what ran (the plan's command list), and count steps so an endless loop stops.
 */
import { KNOWN_UBOOT_COMMANDS, resolveCommandName } from './command-table.js';
import type { CommandHandler, Machine } from './machine.js';
import type { CommandRecord } from './plan.js';

/** Thrown when a script has run `maxSteps` commands; evaluate() turns it into a warning. */
export class StepLimitSignal {}

export class Dispatcher {
  /** Every command run, in order, with its status. */
  readonly commands: CommandRecord[] = [];
  private steps = 0;

  constructor(
    private readonly handlers: Readonly<Record<string, CommandHandler>>,
    readonly maxSteps: number,
  ) {}

  /** Counts one command or loop turn; throws StepLimitSignal past maxSteps. */
  step(): void {
    this.steps++;
    if (this.steps > this.maxSteps) throw new StepLimitSignal();
  }

  /** Runs argv on `machine` and returns the command's status (unknown commands fail, as in U-Boot). */
  dispatch(machine: Machine, args: string[], line: number): number {
    this.step();
    const typed = args[0] as string;
    if (typed.includes(';')) {
      machine.print(`Unknown command '${typed}' - try 'help' or use 'run' command`);
      return this.record(typed, args, line, 1, false);
    }
    const name = resolveCommandName(this.handlers, typed);
    const handler = name === undefined ? undefined : this.handlers[name];
    if (handler && name !== undefined) {
      const record: CommandRecord = { name, args: args.slice(1), line, status: 0, modelled: true };
      this.commands.push(record);
      const status = handler({ name, args, line, machine });
      record.status = status;
      return status;
    }
    if (KNOWN_UBOOT_COMMANDS.has(typed)) {
      machine.warn(`${typed}: not modelled, assumed to succeed`);
      return this.record(typed, args, line, 0, false);
    }
    machine.print(`Unknown command '${typed}' - try 'help'`);
    machine.warn(`${typed}: unknown command (U-Boot fails it)`);
    return this.record(typed, args, line, 1, false);
  }

  private record(name: string, args: string[], line: number, status: number, modelled: boolean): number {
    this.commands.push({ name, args: args.slice(1), line, status, modelled });
    return status;
  }
}
