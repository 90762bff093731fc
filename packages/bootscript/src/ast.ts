/**
 * The syntax tree of a boot script. Words keep what U-Boot's old hush keeps after its first pass:
 * literal text (quotes and backslashes already removed), variable references, and whether the word
 * was quoted anywhere (hush re-quotes such words when it expands variables). Every node has the line
 * and column (1-based) where it starts.
 */

export interface Position {
  line: number;
  column: number;
}

/** Literal characters of a word. */
export interface TextPart {
  type: 'text';
  value: string;
}

/**
 * `$name`, `${name}` or `${name:-word}`, `${name:=word}`, `${name:+word}` (old hush knows only the
 * forms with a colon; `${name-word}` looks up a variable literally named `name-word`, and in
 * `${name:xword}` the text after the colon is ignored: operator ':').
 */
export interface VariablePart {
  type: 'variable';
  name: string;
  operator?: ':-' | ':=' | ':+' | ':';
  operand?: string;
}

/** `$?`, the status of the last command (0 or 1 in U-Boot). */
export interface StatusPart {
  type: 'status';
}

export type WordPart = TextPart | VariablePart | StatusPart;

export interface Word extends Position {
  parts: WordPart[];
  /** Some part of the word was in single or double quotes (hush's `nonnull`). */
  quoted: boolean;
}

/** A command and its arguments; `raw` is the source text of the command (the simple parser runs from it). */
export interface SimpleCommand extends Position {
  type: 'command';
  words: Word[];
  raw?: string;
}

export interface IfClause {
  condition: CommandList;
  body: CommandList;
}

export interface IfCommand extends Position {
  type: 'if';
  /** `if` and every `elif`, in order. */
  clauses: IfClause[];
  elseBody?: CommandList;
}

export interface ForCommand extends Position {
  type: 'for';
  variable: string;
  items: Word[];
  body: CommandList;
}

export interface LoopCommand extends Position {
  type: 'while' | 'until';
  condition: CommandList;
  body: CommandList;
}

export type Command = SimpleCommand | IfCommand | ForCommand | LoopCommand;

/** Commands joined by `&&` and `||`: `rest[i].operator` sits between command i and i + 1. */
export interface AndOrList extends Position {
  type: 'and-or';
  first: Command;
  rest: { operator: '&&' | '||'; command: Command }[];
}

/** And-or lists separated by `;` or newlines. */
export interface CommandList {
  type: 'list';
  items: AndOrList[];
}

export type Dialect = 'hush' | 'simple';

export interface Script {
  type: 'script';
  dialect: Dialect;
  body: CommandList;
}
