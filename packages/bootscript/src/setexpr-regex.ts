/**
 * `setexpr NAME sub|gsub R S [T]`: U-Boot's regex substitution on T (or on NAME's own value). The
 * pattern runs as a JavaScript regular expression where U-Boot's SLRE engine reads it the same way
 * (literals, `.`, anchors, `*` `+` `?`, groups, negated classes, `\.`-style escapes); in S, `\0` is
 * the whole match and `\1`..`\9` the groups. No match: $? is 1 and NAME is left alone, as U-Boot
 * does. Character-class ranges such as `[0-9]`, which SLRE reads differently, are not modelled.
 */
export type RegexSubstitution =
  | { kind: 'replaced'; value: string }
  | { kind: 'no-match' }
  | { kind: 'not-modelled'; reason: string };

function compile(pattern: string): RegExp | string {
  if (/\[[^\]]*[^\\]-[^\]]/.test(pattern)) return 'character-class ranges are read differently by U-Boot (SLRE)';
  try {
    return new RegExp(pattern);
  } catch (error) {
    return `not a pattern JavaScript reads: ${(error as Error).message}`;
  }
}

function expandReplacement(replacement: string, match: RegExpExecArray): string {
  return replacement.replace(/\\([0-9])/g, (_all, digit: string) => match[Number(digit)] ?? '');
}

/** Substitutes the first (`global` false) or every match of `pattern` in `text`. */
export function regexSubstitute(
  text: string,
  pattern: string,
  replacement: string,
  global: boolean,
): RegexSubstitution {
  const regex = compile(pattern);
  if (typeof regex === 'string') return { kind: 'not-modelled', reason: regex };
  let result = '';
  let position = 0;
  let matched = false;
  while (position <= text.length) {
    const match = regex.exec(text.slice(position));
    if (!match) break;
    matched = true;
    result += text.slice(position, position + match.index) + expandReplacement(replacement, match);
    const advance = match.index + match[0].length;
    position += advance;
    if (!global) break;
    if (match[0].length === 0) {
      // An empty match: copy one character and go on, so the loop ends.
      if (position < text.length) result += text[position];
      position++;
    }
  }
  if (!matched) return { kind: 'no-match' };
  return { kind: 'replaced', value: result + text.slice(Math.min(position, text.length)) };
}
