/**
 * The command line's words: the commands, the options and their parse, shared by the app (cli.ts) and
 * the launcher (launcher.ts), which must tell a `run` from the others before it loads the app.
 */
import { parseArgs } from 'node:util';

export const COMMANDS = ['run', 'plan', 'status', 'confirm', 'reset', 'prepare', 'default-config'] as const;
export type Command = (typeof COMMANDS)[number];

export class UsageError extends Error {}

/** The options and the one command; --help and --version need none (the command is then `run`, unused). */
export function parseOptions(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      root: { type: 'string' },
      config: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  if (values.help || values.version) return { values, command: 'run' as Command };
  if (positionals.length === 0)
    throw new UsageError('a command is required (run, plan, status, confirm, reset, prepare)');
  if (positionals.length > 1) throw new UsageError(`one command at a time, got ${positionals.join(' ')}`);
  const command = positionals[0] as Command;
  if (!COMMANDS.includes(command))
    throw new UsageError(`unknown command ${JSON.stringify(command)} (run, plan, status, confirm, reset, prepare)`);
  return { values, command };
}

/**
 * Whether `argv` runs the boot (`run`, not --help or --version): the word `run` elsewhere, such as
 * `--root run plan`, is an option's value, and a usage error runs nothing.
 */
export function isBootRun(argv: readonly string[]): boolean {
  try {
    const { values, command } = parseOptions(argv);
    return command === 'run' && !values.help && !values.version;
  } catch {
    return false;
  }
}
