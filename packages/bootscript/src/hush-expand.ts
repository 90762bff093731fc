/**
 * How old hush turns a command's words into arguments when it runs it. Words without variables are
 * used as they are. When any word has a variable, hush substitutes the values, glues all words back
 * into one line (re-quoting words that were quoted with '...'), and parses that line a second time
 * with `; $ & |` as ordinary characters, stopping at its first newline. So values are split at blanks,
 * lose backslashes, can open quotes and can start a `#` comment: unlike POSIX sh, expansion is textual.
 */
import type { Word, WordPart } from './ast.js';
import { HushLexer, SUBSTITUTED_MARK, VARIABLE_MARK } from './hush-lexer.js';

/** Looks up what `$name` / `${...}` (the text between the markers) expands to; undefined adds nothing. */
export type ParameterLookup = (content: string) => string | undefined;

export interface Argument {
  value: string;
  quoted: boolean;
}

/** hush's insert_var_value_sub(): substitutes every marked variable; newlines in the result become spaces. */
export function insertVariableValues(word: string, lookup: ParameterLookup, tagSubstituted = false): string {
  if (!word.includes(VARIABLE_MARK)) return word;
  const pieces = word.split(VARIABLE_MARK);
  let out = '';
  pieces.forEach((piece, index) => {
    if (index % 2 === 0) {
      out += piece;
      return;
    }
    const value = lookup(piece);
    if (value === undefined) return;
    out += tagSubstituted ? `${SUBSTITUTED_MARK}${value}${SUBSTITUTED_MARK}` : value;
  });
  return out.replace(/\n/g, ' ');
}

/** hush's make_string(): the line that is parsed again. */
export function makeReparseLine(words: Argument[], lookup: ParameterLookup, tagSubstituted: boolean): string {
  return `${words
    .map((word) => {
      const value = insertVariableValues(word.value, lookup, tagSubstituted);
      return word.quoted ? `'${value}'` : value;
    })
    .join(' ')}\n`;
}

/** Parses a substituted line again (FLAG_REPARSING): the arguments of the command that finally runs. */
export function reparseArguments(line: string, ifs?: string): Argument[] {
  const tokens = new HushLexer(line, { reparse: true, ...(ifs === undefined ? {} : { ifs }) }).tokenize();
  const args: Argument[] = [];
  for (const token of tokens) {
    if (token.kind === 'word') args.push({ value: token.value, quoted: token.quoted });
  }
  return args;
}

/** hush's is_assignment(): `name=` with a letter first and letters, digits or `_` after. */
export function isAssignment(word: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*=/.test(word);
}

/** The text of a word as hush keeps it: variables as 0x03 markers. */
export function wordValue(word: Word): string {
  return word.parts.map(partValue).join('');
}

function partValue(part: WordPart): string {
  switch (part.type) {
    case 'text':
      return part.value;
    case 'status':
      return `${VARIABLE_MARK}$?${VARIABLE_MARK}`;
    case 'variable':
      return `${VARIABLE_MARK}${part.name}${part.operator ?? ''}${part.operand ?? ''}${VARIABLE_MARK}`;
  }
}

export function countVariables(word: Word): number {
  return word.parts.filter((part) => part.type !== 'text').length;
}
