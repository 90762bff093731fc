/**
 * Parser for U-Boot's old hush grammar: commands, `;` and newlines, `&&` and `||`, if/then/elif/
 * else/fi, for/in/do/done, while and until. Reserved words count only as the first word of a command
 * (quoted or not, as in hush: `"if"` is still `if`, `\if` is not). Words become AST words with text
 * and variable parts. U-Boot parses and runs a script one top-level line at a time, so a syntax error
 * stops it after the lines before; `parseHushPrefix` returns those lines and the error.
 */
import type { InitkitError } from '@initkit/core';
import type {
  AndOrList,
  Command,
  CommandList,
  ForCommand,
  IfCommand,
  LoopCommand,
  Position,
  Script,
  SimpleCommand,
  Word,
  WordPart,
} from './ast.js';
import { HushLexer, type LexOptions, syntaxError, type Token, VARIABLE_MARK, type WordToken } from './hush-lexer.js';

const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'for', 'in', 'while', 'until', 'do', 'done']);

/** Splits a hush word (variables as 0x03 markers) into text and variable parts. */
export function wordParts(value: string): WordPart[] {
  const parts: WordPart[] = [];
  const pieces = value.split(VARIABLE_MARK);
  pieces.forEach((piece, index) => {
    if (index % 2 === 0) {
      if (piece.length > 0) parts.push({ type: 'text', value: piece });
    } else {
      parts.push(variablePart(piece));
    }
  });
  return parts;
}

/** What hush's lookup_param() makes of the text between the markers. */
function variablePart(content: string): WordPart {
  if (content === '$?') return { type: 'status' };
  const colon = content.indexOf(':');
  if (colon < 0) return { type: 'variable', name: content };
  const name = content.slice(0, colon);
  const op = content[colon + 1];
  if (op === '-' || op === '=' || op === '+') {
    return { type: 'variable', name, operator: `:${op}`, operand: content.slice(colon + 2) };
  }
  return { type: 'variable', name, operator: ':', operand: content.slice(colon + 1) };
}

export function tokenToWord(token: WordToken): Word {
  return { parts: wordParts(token.value), quoted: token.quoted, line: token.line, column: token.column };
}

export interface HushParseResult {
  script: Script;
  /** The first syntax error; `script` then holds the complete top-level lines before it. */
  error?: InitkitError;
  /**
   * The last line U-Boot runs is empty, so `source` returns 0 whatever the commands did. U-Boot adds a
   * newline to a script unless its only newline is the last character: every multi-line script ends
   * with an empty line.
   */
  endsWithEmptyLine: boolean;
}

/** parse_string_outer(): a newline is added unless the text's only newline ends it. */
export function withFinalNewline(text: string): string {
  const first = text.indexOf('\n');
  return first < 0 || first < text.length - 1 ? `${text}\n` : text;
}

/** Parses a whole script; throws BOOTSCRIPT_SYNTAX on the first syntax error. */
export function parseHush(text: string, options: LexOptions = {}): Script {
  const result = parseHushPrefix(text, options);
  if (result.error) throw result.error;
  return result.script;
}

/** Parses as far as U-Boot would run: every top-level line before the first syntax error. */
export function parseHushPrefix(text: string, options: LexOptions = {}): HushParseResult {
  const body: CommandList = { type: 'list', items: [] };
  const script: Script = { type: 'script', dialect: 'hush', body };
  let tokens: Token[];
  try {
    // U-Boot appends a newline to a script that does not end with one.
    tokens = new HushLexer(withFinalNewline(text), options).tokenize();
  } catch (error) {
    const lexError = error as InitkitError;
    // Lines that end before the bad character still run: parse the text up to that line.
    const cut = lastNewlineBefore(text, lexError.offset ?? 0);
    if (cut > 0) {
      const prefix = parseHushPrefix(text.slice(0, cut), options);
      return { script: prefix.script, error: prefix.error ?? lexError, endsWithEmptyLine: false };
    }
    return { script, error: lexError, endsWithEmptyLine: false };
  }
  const parser = new HushParser(tokens);
  try {
    parser.parseTopLevel(body);
    return { script, endsWithEmptyLine: parser.newlinesAfterLastItem > 1 || body.items.length === 0 };
  } catch (error) {
    body.items.length = parser.completeTopLevelItems;
    return { script, error: error as InitkitError, endsWithEmptyLine: false };
  }
}

function lastNewlineBefore(text: string, offset: number): number {
  const index = text.lastIndexOf('\n', offset - 1);
  return index < 0 ? 0 : index + 1;
}

class HushParser {
  private readonly tokens: Token[];
  private index = 0;
  /** Top-level and-or lists that ended with a newline before the current position. */
  completeTopLevelItems = 0;
  /** Newlines seen at the top level since the last and-or list. */
  newlinesAfterLastItem = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.tokens[this.index] as Token;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private reservedAt(token: Token): string | undefined {
    return token.kind === 'word' && RESERVED.has(token.raw) ? token.raw : undefined;
  }

  parseTopLevel(body: CommandList): void {
    for (;;) {
      const token = this.peek();
      if (token.kind === 'end') {
        this.completeTopLevelItems = body.items.length;
        return;
      }
      if (token.kind === 'operator') {
        this.next();
        if (token.value === '\n') {
          this.completeTopLevelItems = body.items.length;
          this.newlinesAfterLastItem++;
        }
        continue;
      }
      const reserved = this.reservedAt(token);
      if (reserved && !['if', 'for', 'while', 'until'].includes(reserved)) {
        throw syntaxError(`'${reserved}' without a matching opening word`, token);
      }
      const item = this.parseAndOr();
      if (item) body.items.push(item);
      this.newlinesAfterLastItem = 0;
    }
  }

  /** Parses lists until one of `terminators` appears as the first word of a command; returns it. */
  private parseListUntil(terminators: string[], opener: Position & { word: string }): [CommandList, string, Token] {
    const list: CommandList = { type: 'list', items: [] };
    for (;;) {
      const token = this.peek();
      if (token.kind === 'end') {
        throw syntaxError(`'${opener.word}' is missing its '${terminators.join("' or '")}'`, opener);
      }
      if (token.kind === 'operator') {
        this.next();
        continue;
      }
      const reserved = this.reservedAt(token);
      if (reserved && terminators.includes(reserved)) {
        this.next();
        return [list, reserved, token];
      }
      if (reserved && !['if', 'for', 'while', 'until'].includes(reserved)) {
        throw syntaxError(`unexpected '${reserved}' (expected '${terminators.join("' or '")}')`, token);
      }
      const item = this.parseAndOr();
      if (item) list.items.push(item);
    }
  }

  /** `cmd && cmd || cmd`; hush ignores an operator with no command on one side. */
  private parseAndOr(): AndOrList | undefined {
    let list: AndOrList | undefined;
    let pending: '&&' | '||' | undefined;
    for (;;) {
      const token = this.peek();
      if (token.kind === 'end') return list;
      if (token.kind === 'operator') {
        if (token.value === '&&' || token.value === '||') {
          this.next();
          if (list) pending = token.value;
          continue;
        }
        return list;
      }
      const reserved = this.reservedAt(token);
      if (reserved && !['if', 'for', 'while', 'until'].includes(reserved)) return list;
      const command = this.parseCommand();
      if (!list) {
        list = { type: 'and-or', first: command, rest: [], line: command.line, column: command.column };
      } else if (pending) {
        list.rest.push({ operator: pending, command });
      } else {
        return list;
      }
      pending = undefined;
      const after = this.peek();
      if (after.kind !== 'operator' || (after.value !== '&&' && after.value !== '||')) return list;
    }
  }

  private parseCommand(): Command {
    const token = this.peek() as WordToken;
    switch (this.reservedAt(token)) {
      case 'if':
        return this.afterCompound(this.parseIf());
      case 'for':
        return this.afterCompound(this.parseFor());
      case 'while':
      case 'until':
        return this.afterCompound(this.parseLoop());
      default:
        return this.parseSimple();
    }
  }

  /** After `fi` or `done` only an operator may follow ("groups and arglists don't mix"). */
  private afterCompound(command: Command): Command {
    const token = this.peek();
    if (token.kind === 'word') {
      throw syntaxError(`'${token.raw}' cannot follow the end of '${command.type}' (add ';' or a newline)`, token);
    }
    return command;
  }

  private parseSimple(): SimpleCommand {
    const first = this.peek() as WordToken;
    const words: Word[] = [];
    while (this.peek().kind === 'word') words.push(tokenToWord(this.next() as WordToken));
    return { type: 'command', words, line: first.line, column: first.column };
  }

  private parseIf(): IfCommand {
    const start = this.next() as WordToken;
    const command: IfCommand = { type: 'if', clauses: [], line: start.line, column: start.column };
    let opener: Position & { word: string } = { ...start, word: 'if' };
    for (;;) {
      const [condition, , thenToken] = this.parseListUntil(['then'], opener);
      const [body, ending, endToken] = this.parseListUntil(['elif', 'else', 'fi'], { ...thenToken, word: 'then' });
      command.clauses.push({ condition, body });
      if (ending === 'fi') return command;
      if (ending === 'else') {
        const [elseBody] = this.parseListUntil(['fi'], { ...endToken, word: 'else' });
        command.elseBody = elseBody;
        return command;
      }
      opener = { ...endToken, word: 'elif' };
    }
  }

  private parseFor(): ForCommand {
    const start = this.next() as WordToken;
    const nameToken = this.peek();
    if (nameToken.kind !== 'word') throw syntaxError("'for' needs a variable name", start);
    this.next();
    this.skipSeparators();
    const inToken = this.peek();
    if (this.reservedAt(inToken) !== 'in') throw syntaxError("'for NAME' must be followed by 'in'", inToken);
    this.next();
    const items: Word[] = [];
    while (this.peek().kind === 'word') items.push(tokenToWord(this.next() as WordToken));
    this.skipSeparators();
    const doToken = this.peek();
    if (this.reservedAt(doToken) !== 'do') throw syntaxError("'for ... in ...' must be followed by 'do'", doToken);
    this.next();
    const [body] = this.parseListUntil(['done'], { ...doToken, word: 'do' });
    return {
      type: 'for',
      variable: (nameToken as WordToken).value,
      items,
      body,
      line: start.line,
      column: start.column,
    };
  }

  private parseLoop(): LoopCommand {
    const start = this.next() as WordToken;
    const type = start.raw as 'while' | 'until';
    const [condition, , doToken] = this.parseListUntil(['do'], { ...start, word: type });
    const [body] = this.parseListUntil(['done'], { ...doToken, word: 'do' });
    return { type, condition, body, line: start.line, column: start.column };
  }

  private skipSeparators(): void {
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'operator' || (token.value !== ';' && token.value !== '\n')) return;
      this.next();
    }
  }
}
