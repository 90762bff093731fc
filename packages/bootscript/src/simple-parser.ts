/**
 * U-Boot's simple command parser (common/cli_simple.c, used when CONFIG_HUSH_PARSER is off): a script
 * is lines, a line is commands split at `;` (not inside '...', not after a backslash), and each
 * command's `${name}` / `$(name)` macros are expanded just before it runs, then split at blanks. There
 * are no conditions, loops, `&&` or `||`. The tree keeps each command's source in `raw`.
 */
import type { AndOrList, CommandList, Script, SimpleCommand, Word } from './ast.js';

/** Splits one line into commands as cli_simple_run_command() does. */
export function splitSimpleLine(line: string): { text: string; offset: number }[] {
  const commands: { text: string; offset: number }[] = [];
  let start = 0;
  while (start < line.length) {
    let inQuotes = false;
    let separator = start;
    for (; separator < line.length; separator++) {
      const ch = line[separator];
      const previous = separator > 0 ? line[separator - 1] : undefined;
      if (ch === "'" && previous !== '\\') inQuotes = !inQuotes;
      if (!inQuotes && ch === ';' && separator !== start && previous !== '\\') break;
    }
    commands.push({ text: line.slice(start, separator), offset: start });
    start = separator < line.length ? separator + 1 : separator;
  }
  return commands;
}

/** Splits expanded text at spaces and tabs (cli_simple_parse_line). */
export function splitSimpleArguments(text: string): string[] {
  return text.split(/[ \t]+/).filter((argument) => argument.length > 0);
}

export function parseSimple(text: string): Script {
  const items: AndOrList[] = [];
  const lines = text.split('\n');
  lines.forEach((lineText, lineIndex) => {
    if (lineText.length === 0) return;
    for (const { text: raw, offset } of splitSimpleLine(lineText)) {
      const line = lineIndex + 1;
      const column = offset + 1;
      const words: Word[] = splitSimpleArguments(raw).map((value) => ({
        parts: [{ type: 'text', value }],
        quoted: false,
        line,
        column,
      }));
      const command: SimpleCommand = { type: 'command', words, raw, line, column };
      items.push({ type: 'and-or', first: command, rest: [], line, column });
    }
  });
  const body: CommandList = { type: 'list', items };
  return { type: 'script', dialect: 'simple', body };
}

/**
 * cli_simple_process_macros(): removes one level of backslashes, drops single quotes (protecting what
 * is between them), and replaces `${name}` / `$(name)` with the variable's value.
 */
export function expandSimpleMacros(input: string, lookup: (name: string) => string | undefined): string {
  let output = '';
  let state: 'text' | 'dollar' | 'name' | 'quoted' = 'text';
  let previous = '';
  let nameStart = 0;
  for (let i = 0; i < input.length; i++) {
    let ch = input[i] as string;
    if (state !== 'quoted' && ch === '\\' && previous !== '\\') {
      if (i + 1 >= input.length) break;
      previous = ch;
      ch = input[++i] as string;
    }
    switch (state) {
      case 'text':
        if (ch === "'" && previous !== '\\') state = 'quoted';
        else if (ch === '$' && previous !== '\\') state = 'dollar';
        else output += ch;
        break;
      case 'dollar':
        if (ch === '(' || ch === '{') {
          state = 'name';
          nameStart = i + 1;
        } else {
          state = 'text';
          output += `$${ch}`;
        }
        break;
      case 'name':
        if (ch === ')' || ch === '}') {
          output += lookup(input.slice(nameStart, i)) ?? '';
          state = 'text';
        }
        break;
      case 'quoted':
        if (ch === "'" && previous !== '\\') state = 'text';
        else output += ch;
        break;
    }
    previous = ch;
  }
  return output;
}
