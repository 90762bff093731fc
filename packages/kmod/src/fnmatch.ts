/**
 * fnmatch(3) without flags, as libkmod matches module aliases and softdep names: '*' any run, '?' one
 * character, '[...]' a class ('!' or '^' negates, ranges a-z), '\' escapes the next character. The
 * pattern compiles once to tokens and matches in O(pattern x text) time at worst (no backtracking
 * blow-up whatever the file holds); its literal prefix is checked first, so most patterns reject a
 * string at once.
 */

export interface GlobPattern {
  pattern: string;
  /** The characters before the first special one: every match starts with them. */
  literalPrefix: string;
  matches(text: string): boolean;
}

type Token =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'char'; code: number }
  | { kind: 'class'; negate: boolean; ranges: number[] };

const SPECIAL = /[*?[\\]/;

export function compileGlob(pattern: string): GlobPattern {
  const special = pattern.search(SPECIAL);
  if (special < 0) return { pattern, literalPrefix: pattern, matches: (text) => text === pattern };
  const literalPrefix = pattern.slice(0, special);
  let tokens: Token[] | undefined;
  return {
    pattern,
    literalPrefix,
    matches(text) {
      if (!text.startsWith(literalPrefix)) return false;
      tokens ??= tokenize(pattern);
      return matchTokens(tokens, text);
    },
  };
}

/** fnmatch(pattern, text, 0) === 0. */
export function fnmatch(pattern: string, text: string): boolean {
  return compileGlob(pattern).matches(text);
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '\\' && i + 1 < pattern.length) tokens.push({ kind: 'char', code: pattern.charCodeAt(++i) });
    else if (c === '[') {
      const parsed = parseClass(pattern, i);
      if (parsed) {
        tokens.push(parsed.token);
        i = parsed.end;
      } else tokens.push({ kind: 'char', code: 0x5b });
    } else tokens.push({ kind: 'char', code: pattern.charCodeAt(i) });
  }
  return tokens;
}

/** A bracket expression starting at `start`; undefined when it never closes (then '[' is literal). */
function parseClass(pattern: string, start: number): { token: Token; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!' || pattern[i] === '^') {
    negate = true;
    i++;
  }
  const ranges: number[] = [];
  let first = true;
  for (; i < pattern.length; i++) {
    let c = pattern.charCodeAt(i);
    if (c === 0x5d && !first) return { token: { kind: 'class', negate, ranges }, end: i };
    first = false;
    if (c === 0x5c && i + 1 < pattern.length) c = pattern.charCodeAt(++i);
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      ranges.push(c, pattern.charCodeAt(i + 2));
      i += 2;
    } else ranges.push(c, c);
  }
  return undefined;
}

function matchOne(token: Token, code: number): boolean {
  switch (token.kind) {
    case 'any':
      return true;
    case 'char':
      return token.code === code;
    case 'class': {
      let inside = false;
      for (let r = 0; r < token.ranges.length; r += 2) {
        if (code >= token.ranges[r]! && code <= token.ranges[r + 1]!) {
          inside = true;
          break;
        }
      }
      return inside !== token.negate;
    }
    default:
      return false;
  }
}

/** Greedy matching that on a mismatch retries from the last '*' one character further. */
function matchTokens(tokens: readonly Token[], text: string): boolean {
  let t = 0;
  let s = 0;
  let starToken = -1;
  let starText = 0;
  while (s < text.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      starToken = t++;
      starText = s;
      continue;
    }
    if (token && matchOne(token, text.charCodeAt(s))) {
      t++;
      s++;
      continue;
    }
    if (starToken < 0) return false;
    t = starToken + 1;
    s = ++starText;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}
