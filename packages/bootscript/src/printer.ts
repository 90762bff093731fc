/**
 * Prints a syntax tree as canonical hush text: one command per line, two-space indentation inside
 * if/for/while/until, variables as `${name}`, and words quoted or escaped so that old hush reads them
 * back into the same tree (parse(print(ast)) equals ast, positions aside). Scripts parsed with the
 * simple dialect print their commands' source text.
 */
import type { AndOrList, Command, CommandList, Script, Word, WordPart } from './ast.js';

const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'for', 'in', 'while', 'until', 'do', 'done']);
/** Characters that need a backslash outside quotes. */
const NEEDS_ESCAPE = new Set([' ', '\t', '\n', ';', '&', '|', '#', "'", '"', '\\', '$', '\x04']);

export interface PrintOptions {
  /** Indentation per nesting level; default two spaces. */
  indent?: string;
}

export function printScript(script: Script, options: PrintOptions = {}): string {
  const indent = options.indent ?? '  ';
  if (script.dialect === 'simple') return printSimple(script);
  const lines: string[] = [];
  printList(script.body, 0, indent, lines);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function printSimple(script: Script): string {
  const lines = script.body.items.map((item) => {
    const command = item.first;
    return command.type === 'command' ? (command.raw ?? command.words.map((word) => printWord(word)).join(' ')) : '';
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function printList(list: CommandList, depth: number, indent: string, lines: string[]): void {
  for (const item of list.items) printAndOr(item, depth, indent, lines);
}

function printAndOr(item: AndOrList, depth: number, indent: string, lines: string[]): void {
  const pad = indent.repeat(depth);
  const start = lines.length;
  printCommand(item.first, depth, indent, lines);
  for (const { operator, command } of item.rest) {
    const before = lines.length;
    printCommand(command, depth, indent, lines);
    // Join the first line of the next command onto the last line of the previous one.
    const nextFirst = (lines[before] as string).slice(pad.length);
    lines.splice(before, 1);
    lines[before - 1] = `${lines[before - 1]} ${operator} ${nextFirst}`;
  }
  if (lines.length === start) lines.push(pad);
}

function printCommand(command: Command, depth: number, indent: string, lines: string[]): void {
  const pad = indent.repeat(depth);
  switch (command.type) {
    case 'command':
      lines.push(pad + command.words.map((word, index) => printWord(word, index === 0)).join(' '));
      return;
    case 'if':
      command.clauses.forEach((clause, index) => {
        printCondition(index === 0 ? 'if' : 'elif', clause.condition, depth, indent, lines);
        lines.push(`${pad}then`);
        printList(clause.body, depth + 1, indent, lines);
      });
      if (command.elseBody) {
        lines.push(`${pad}else`);
        printList(command.elseBody, depth + 1, indent, lines);
      }
      lines.push(`${pad}fi`);
      return;
    case 'for':
      lines.push(
        `${pad}for ${escapeText(command.variable)} in${command.items.map((w) => ` ${printWord(w)}`).join('')}`,
      );
      lines.push(`${pad}do`);
      printList(command.body, depth + 1, indent, lines);
      lines.push(`${pad}done`);
      return;
    case 'while':
    case 'until':
      printCondition(command.type, command.condition, depth, indent, lines);
      lines.push(`${pad}do`);
      printList(command.body, depth + 1, indent, lines);
      lines.push(`${pad}done`);
      return;
  }
}

/** `if cond` on one line when the condition is one simple line, else the keyword alone and the list below. */
function printCondition(keyword: string, condition: CommandList, depth: number, indent: string, lines: string[]): void {
  const pad = indent.repeat(depth);
  const inner: string[] = [];
  printList(condition, depth + 1, indent, inner);
  if (inner.length === 1) {
    lines.push(`${pad}${keyword} ${(inner[0] as string).trimStart()}`);
  } else {
    lines.push(`${pad}${keyword}`);
    lines.push(...inner);
  }
}

/** A word as hush text; `commandName` escapes a first word that would read as a reserved word. */
export function printWord(word: Word, commandName = false): string {
  if (word.parts.length === 0) return word.quoted ? '""' : '';
  const literal = word.parts.every((part) => part.type === 'text')
    ? word.parts.map((p) => (p as { value: string }).value).join('')
    : undefined;
  const reserved = commandName && literal !== undefined && RESERVED.has(literal);
  if (word.quoted && !reserved && canDoubleQuote(word.parts)) {
    return `"${word.parts.map((part) => printPart(part, true)).join('')}"`;
  }
  let body = word.parts.map((part) => printPart(part, false)).join('');
  if (reserved) body = `\\${body}`;
  return word.quoted ? `''${body}` : body;
}

/** Inside double quotes hush keeps `\`, reads `$` and `'`, and ends at `"`: text with none of them fits. */
function canDoubleQuote(parts: WordPart[]): boolean {
  return parts.every((part) => {
    if (part.type === 'text') return !/[\\$'"\x04]/.test(part.value);
    if (part.type === 'variable') return !part.operand?.includes("'") && !part.name.includes("'");
    return true;
  });
}

function printPart(part: WordPart, inDoubleQuotes: boolean): string {
  switch (part.type) {
    case 'status':
      return '$?';
    case 'variable':
      return `\${${escapeBraced(part.name)}${part.operator ?? ''}${escapeBraced(part.operand ?? '')}}`;
    case 'text':
      return inDoubleQuotes ? part.value : escapeText(part.value);
  }
}

/** Inside `${...}` hush copies everything up to `}` and then removes one level of backslashes. */
function escapeBraced(text: string): string {
  return text.replace(/\\/g, '\\\\');
}

function escapeText(text: string): string {
  let out = '';
  for (const ch of text) out += NEEDS_ESCAPE.has(ch) ? `\\${ch}` : ch;
  return out;
}
