/**
 * fnmatch(3) without flags, as libkmod matches module aliases and softdep names: '*' any run, '?' one
 * character, '[...]' a class ('!' or '^' negates, ranges a-z), '\' escapes the next character. The
 * pattern compiles once to a RegExp; its literal prefix is checked first so most patterns reject a
 * string without running the expression.
 */

export interface GlobPattern {
  pattern: string;
  /** The characters before the first special one: every match starts with them. */
  literalPrefix: string;
  matches(text: string): boolean;
}

const SPECIAL = /[*?[\\]/;

export function compileGlob(pattern: string): GlobPattern {
  const special = pattern.search(SPECIAL);
  if (special < 0) return { pattern, literalPrefix: pattern, matches: (text) => text === pattern };
  const literalPrefix = pattern.slice(0, special);
  let regex: RegExp | undefined;
  return {
    pattern,
    literalPrefix,
    matches(text) {
      if (!text.startsWith(literalPrefix)) return false;
      regex ??= new RegExp(`^${globToRegExpSource(pattern)}$`, 's');
      return regex.test(text);
    },
  };
}

/** fnmatch(pattern, text, 0) === 0. */
export function fnmatch(pattern: string, text: string): boolean {
  return compileGlob(pattern).matches(text);
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

function globToRegExpSource(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (c === '[') {
      const parsed = parseClass(pattern, i);
      if (parsed) {
        source += parsed.source;
        i = parsed.end;
      } else source += '\\[';
    } else source += escapeRegExp(c);
  }
  return source;
}

/** A bracket expression starting at `start`; undefined when it never closes (then '[' is literal). */
function parseClass(pattern: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!' || pattern[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  for (; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === ']' && !first) return { source: `[${negate ? '^' : ''}${body}]`, end: i };
    first = false;
    if (c === '\\' && i + 1 < pattern.length) {
      body += escapeRegExp(pattern[++i]!);
    } else if (pattern[i + 1] === '-' && pattern[i + 2] !== undefined && pattern[i + 2] !== ']') {
      body += `${escapeRegExp(c)}-${escapeRegExp(pattern[i + 2]!)}`;
      i += 2;
    } else {
      body += escapeRegExp(c);
    }
  }
  return undefined;
}
