/**
 * Splits text into words and operators the way U-Boot's old hush (common/cli_hush.c, the default
 * parser up to U-Boot 2023.x) does, including its departures from POSIX sh:
 * - a single quote opens a quoted string even inside double quotes (`"it's"` is unterminated);
 * - backslashes are removed from the finished word, also inside single quotes (`'a\b'` is `ab`),
 *   while inside double quotes `\x` stays `\x` (`"\$"` is `\$`);
 * - a backslash before a newline keeps the newline inside the word (no line continuation);
 * - `#` starts a comment only where a word could start, and `{ } ( ) < > \`` are ordinary characters;
 * - an unterminated double quote runs to the end of the input.
 * Variable references are kept as 0x03-delimited markers, as hush keeps them until it runs a command.
 */
import type { InitkitError } from '@initkit/core';
import type { Position } from './ast.js';
import { bootscriptError } from './errors.js';

/** Brackets a variable reference inside a word until the command runs (hush's SPECIAL_VAR_SYMBOL). */
export const VARIABLE_MARK = '\x03';
/** Brackets an already substituted value that must not be parsed again (HUSH_NO_EVAL). */
export const SUBSTITUTED_MARK = '\x04';

export interface WordToken extends Position {
  kind: 'word';
  /** The word as hush stores it before running: backslashes removed, variables as markers. */
  value: string;
  /** The word before backslash removal: hush compares this with the reserved words. */
  raw: string;
  /** Some part of the word was quoted (hush's `nonnull`): kept as an empty argument, re-quoted on expansion. */
  quoted: boolean;
}

export interface OperatorToken extends Position {
  kind: 'operator';
  value: ';' | '&&' | '||' | '\n';
}

export interface EndToken extends Position {
  kind: 'end';
}

export type Token = WordToken | OperatorToken | EndToken;

export interface LexOptions {
  /** Field separators (U-Boot's IFS variable); default space, tab, newline. */
  ifs?: string;
  /**
   * Second pass over a command whose variables were substituted: `; $ & |` are ordinary characters
   * and the input ends at the first newline.
   */
  reparse?: boolean;
}

enum CharClass {
  Ordinary = 0,
  SpecialUnquoted = 1,
  FieldSeparator = 2,
  AlwaysSpecial = 3,
}

export function syntaxError(message: string, position: Position, offset?: number): InitkitError {
  return bootscriptError('BOOTSCRIPT_SYNTAX', `line ${position.line}, column ${position.column}: ${message}`, {
    offset,
  });
}

function isAlpha(ch: string | undefined): boolean {
  return ch !== undefined && /^[A-Za-z]$/.test(ch);
}

function isNameChar(ch: string | undefined): boolean {
  return ch !== undefined && /^[A-Za-z0-9_]$/.test(ch);
}

/** Removes one level of backslashes, as hush's done_word() does to every finished word. */
export function removeBackslashes(dest: string): string {
  let out = '';
  for (let i = 0; i < dest.length; i++) {
    let ch = dest[i];
    if (ch === '\\') ch = dest[++i];
    if (ch === undefined) break;
    out += ch;
  }
  return out;
}

/** Tokenizes a whole text. Throws BOOTSCRIPT_SYNTAX for what hush rejects while reading. */
export class HushLexer {
  private readonly text: string;
  private readonly classes: Map<string, CharClass>;
  private readonly reparse: boolean;
  private index = 0;
  private line = 1;
  private column = 1;

  constructor(text: string, options: LexOptions = {}) {
    this.text = text;
    this.reparse = options.reparse ?? false;
    this.classes = new Map();
    this.classes.set(SUBSTITUTED_MARK, CharClass.AlwaysSpecial);
    for (const ch of '\\$\'"') this.classes.set(ch, CharClass.AlwaysSpecial);
    for (const ch of ';&|#') this.classes.set(ch, CharClass.SpecialUnquoted);
    if (this.reparse) for (const ch of ';$&|') this.classes.set(ch, CharClass.Ordinary);
    for (const ch of options.ifs ?? ' \t\n') this.classes.set(ch, CharClass.FieldSeparator);
  }

  /** Offset of the next unread character. */
  get offset(): number {
    return this.index;
  }

  private position(): Position {
    return { line: this.line, column: this.column };
  }

  private get(): string | undefined {
    const ch = this.text[this.index];
    if (ch === undefined) return undefined;
    this.index++;
    if (ch === '\n') {
      this.line++;
      this.column = 1;
    } else {
      this.column++;
    }
    return ch;
  }

  private peek(): string | undefined {
    return this.text[this.index];
  }

  /** All tokens up to the end (or, when re-parsing, up to the first newline). */
  tokenize(): Token[] {
    const tokens: Token[] = [];
    let dest = '';
    let quoted = false;
    let inDoubleQuotes = false;
    let start: Position | undefined;

    const addQuoted = (ch: string): void => {
      // hush's b_addqchr: inside double quotes, glob characters and backslashes get a backslash.
      if (inDoubleQuotes && '*?[\\'.includes(ch)) dest += '\\';
      dest += ch;
    };
    const finishWord = (): void => {
      if (dest.length > 0 || quoted) {
        const position = start ?? this.position();
        tokens.push({ kind: 'word', value: removeBackslashes(dest), raw: dest, quoted, ...position });
      }
      dest = '';
      quoted = false;
      start = undefined;
    };

    for (;;) {
      const here = this.position();
      const at = this.index;
      const ch = this.get();
      if (ch === undefined) break;
      if (ch === VARIABLE_MARK) throw syntaxError('control character 0x03 is not allowed in a script', here, at);
      const cls = this.classes.get(ch) ?? CharClass.Ordinary;
      if (
        cls === CharClass.Ordinary ||
        ((cls === CharClass.SpecialUnquoted || cls === CharClass.FieldSeparator) && inDoubleQuotes)
      ) {
        start ??= here;
        addQuoted(ch);
        continue;
      }
      if (cls === CharClass.FieldSeparator) {
        finishWord();
        if (ch === '\n') {
          if (this.reparse) break;
          tokens.push({ kind: 'operator', value: '\n', ...here });
        }
        continue;
      }
      switch (ch) {
        case '#':
          if (dest.length === 0 && !inDoubleQuotes) {
            while (this.peek() !== undefined && this.peek() !== '\n') this.get();
          } else {
            start ??= here;
            addQuoted(ch);
          }
          break;
        case '\\': {
          start ??= here;
          const next = this.get();
          if (next === undefined) throw syntaxError('backslash at the end of the input', here, at);
          addQuoted('\\');
          addQuoted(next);
          break;
        }
        case '$':
          start ??= here;
          this.readDollar((text) => {
            dest += text;
          }, addQuoted);
          break;
        case "'": {
          start ??= here;
          quoted = true;
          for (;;) {
            const inner = this.get();
            if (inner === undefined) throw syntaxError('unterminated single quote', here, at);
            if (inner === "'") break;
            dest += inner;
          }
          break;
        }
        case '"':
          start ??= here;
          quoted = true;
          inDoubleQuotes = !inDoubleQuotes;
          break;
        case ';':
          finishWord();
          tokens.push({ kind: 'operator', value: ';', ...here });
          break;
        case '&':
        case '|':
          finishWord();
          if (this.peek() !== ch) {
            throw syntaxError(`a single '${ch}' is not allowed (U-Boot has no pipes or background jobs)`, here, at);
          }
          this.get();
          tokens.push({ kind: 'operator', value: ch === '&' ? '&&' : '||', ...here });
          break;
        case SUBSTITUTED_MARK: {
          start ??= here;
          quoted = true;
          for (;;) {
            const inner = this.get();
            if (inner === undefined) throw syntaxError('unterminated substituted value', here, at);
            if (inner === SUBSTITUTED_MARK) break;
            dest += inner;
          }
          break;
        }
        default:
          throw syntaxError(`unexpected character ${JSON.stringify(ch)}`, here, at);
      }
    }
    finishWord();
    tokens.push({ kind: 'end', ...this.position() });
    return tokens;
  }

  /** hush's handle_dollar(): `$name`, `${...}`, `$?`, or a literal `$`. */
  private readDollar(addRaw: (text: string) => void, addQuoted: (ch: string) => void): void {
    const next = this.peek();
    if (isAlpha(next)) {
      let name = '';
      while (isNameChar(this.peek())) name += this.get();
      addRaw(`${VARIABLE_MARK}${name}${VARIABLE_MARK}`);
    } else if (next === '?') {
      this.get();
      addRaw(`${VARIABLE_MARK}$?${VARIABLE_MARK}`);
    } else if (next === '{') {
      const here = this.position();
      const at = this.index;
      this.get();
      let content = '';
      for (;;) {
        const ch = this.get();
        if (ch === undefined) throw syntaxError('a "$" and "{" without a closing "}"', here, at);
        if (ch === '}') break;
        content += ch;
      }
      addRaw(`${VARIABLE_MARK}${content}${VARIABLE_MARK}`);
    } else {
      addQuoted('$');
    }
  }
}
