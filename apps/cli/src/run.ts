/**
 * Parse and run the command line with initkit's exit codes: 0 ok, 1 failure (one line on stderr
 * naming the problem), 2 usage error. Known failures print no stack trace; unexpected ones do. Output
 * into a closed pipe ends the command quietly, as coreutils do (output.ts).
 */

import { InitkitError } from '@initkit/core';
import { type Command, CommanderError } from 'commander';
import { explainFileError, isSystemError } from './file-errors.js';
import { handleOutputErrors, isBrokenPipe, stopOnBrokenPipe } from './output.js';
import { UsageError } from './usage-error.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export async function runProgram(program: Command, argv: string[]): Promise<void> {
  overrideExits(program);
  prefixCommanderErrors(program);
  handleOutputErrors();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error);
  }
}

/** Commander calls process.exit itself unless every command, sub-commands included, overrides it. */
function overrideExits(command: Command): void {
  command.exitOverride();
  for (const subcommand of command.commands) overrideExits(subcommand);
}

/** Every line of commander's own messages ("error: unknown option '-z'", its hints) starts with `initkit:`. */
function prefixCommanderErrors(command: Command): void {
  command.configureOutput({
    outputError: (text, write) =>
      write(
        text
          .replace(/^error: /, '')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => `initkit: ${line}\n`)
          .join(''),
      ),
  });
  for (const subcommand of command.commands) prefixCommanderErrors(subcommand);
}

/** Prints a failure as one line (a stack only when unexpected) and returns its exit status. */
export function report(thrown: unknown): number {
  // A system error that no command explained still names its path ("no such file: x").
  const error = explainFileError(thrown);
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help / version text).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
    if (error.code === 'commander.help') return EXIT_OK;
    return EXIT_USAGE;
  }
  // A write into a closed pipe that reached here (through a write callback) stops as quietly.
  if (isBrokenPipe(error)) stopOnBrokenPipe();
  if (error instanceof UsageError) {
    process.stderr.write(`initkit: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof InitkitError) {
    process.stderr.write(`initkit: ${error.message} [${error.code}]\n`);
    return EXIT_FAILURE;
  }
  if (isSystemError(error)) {
    process.stderr.write(`initkit: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  process.stderr.write(
    `initkit: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT_FAILURE;
}
