/**
 * U-Boot's simple (non-hush) dialect as the evaluator runs it: commands split at `;`, each expanded and
 * run on its own, and a script stops after the first line with a failed command.
 */
import type { Script, SimpleCommand } from './ast.js';
import { expandSimpleMacros, parseSimple, splitSimpleArguments } from './simple-parser.js';

/** Runs one command's raw text (macros not yet expanded) and returns its status. */
export type SimpleTokenRunner = (raw: string, line: number) => number;

/** A script: every command of a line runs; a line with a failure ends the script (status 1). */
export function runSimpleScript(script: Script, runToken: SimpleTokenRunner): number {
  let line = -1;
  let failed = false;
  for (const item of script.body.items) {
    const command = item.first as SimpleCommand;
    if (command.line !== line) {
      if (failed) return 1;
      line = command.line;
    }
    if (runToken(command.raw ?? '', command.line) !== 0) failed = true;
  }
  return failed ? 1 : 0;
}

/** `run` in the simple dialect: the text is one line (newlines stay inside arguments). */
export function runSimpleLine(text: string, line: number, runToken: SimpleTokenRunner): number {
  const script = parseSimple(text.replace(/\n/g, '\u0000'));
  let failed = false;
  for (const item of script.body.items) {
    const raw = ((item.first as SimpleCommand).raw ?? '').replace(/\u0000/g, '\n');
    if (runToken(raw, line) !== 0) failed = true;
  }
  return failed ? 1 : 0;
}

/** A command's arguments: macros expanded from the environment, then split at blanks. */
export function simpleArguments(raw: string, lookup: (name: string) => string | undefined): string[] {
  return splitSimpleArguments(expandSimpleMacros(raw, lookup));
}
