import { isInitkitError } from '@initkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScript, printScript, type Script } from '../src/index.js';

/** The tree without positions, for comparing a parse with the parse of its printout. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'line' && key !== 'column')
        .map(([key, inner]) => [key, shape(inner)]),
    );
  }
  return value;
}

function words(script: Script): string[][] {
  return script.body.items.map((item) =>
    item.first.type === 'command'
      ? item.first.words.map((word) =>
          word.parts.map((p) => (p.type === 'text' ? p.value : `<${p.type === 'variable' ? p.name : '?'}>`)).join(''),
        )
      : [],
  );
}

describe('hush parser', () => {
  it('reads words, quotes and variables as old hush does', () => {
    const script = parseScript(`echo 'a\\b' "c\\d" e\\$f "\${x:-y}" $name\${other}tail # comment\n`);
    expect(words(script)).toEqual([['echo', 'ab', 'c\\d', 'e$f', '<x>', '<name><other>tail']]);
  });

  it('records line and column of commands and words', () => {
    const script = parseScript('\n  setenv a b\nif true; then\n  echo x\nfi\n');
    const [first, second] = script.body.items;
    expect(first?.first).toMatchObject({ line: 2, column: 3 });
    expect(second?.first).toMatchObject({ type: 'if', line: 3, column: 1 });
  });

  it('knows if/elif/else, for, while, until and and-or lists', () => {
    const script = parseScript(
      'if a; then b; elif c; then d; else e; fi\nfor i in 1 2; do x; done\nwhile a; do b; done\nuntil a; do b; done\na && b || c\n',
    );
    expect(script.body.items.map((item) => item.first.type)).toEqual(['if', 'for', 'while', 'until', 'command']);
    expect(script.body.items[4]?.rest.map((r) => r.operator)).toEqual(['&&', '||']);
  });

  it('treats a quoted reserved word as reserved, as hush does, but not an escaped one', () => {
    expect(parseScript('"if" true; then x; fi').body.items[0]?.first.type).toBe('if');
    expect(parseScript('\\if true').body.items[0]?.first.type).toBe('command');
  });

  it.each([
    ['if true; then echo x\n', 1, 10, "'then' is missing its 'elif' or 'else' or 'fi'"],
    ['echo a\nfi\n', 2, 1, "'fi' without"],
    ['echo "don\'t"\n', 1, 10, 'unterminated single quote'],
    ['echo a | b\n', 1, 8, "single '|'"],
    ['echo ${x\n', 1, 7, 'without a closing'],
    ['if a; then b; fi c\n', 1, 18, 'cannot follow'],
  ])('reports syntax errors with line and column: %j', (text, line, column, message) => {
    let caught: unknown;
    try {
      parseScript(text);
    } catch (error) {
      caught = error;
    }
    expect(isInitkitError(caught, 'BOOTSCRIPT_SYNTAX')).toBe(true);
    expect((caught as Error).message).toContain(`line ${line}, column ${column}`);
    expect((caught as Error).message).toContain(message);
  });

  it('prints canonical text that parses to the same tree', () => {
    const text =
      'setenv bootargs "console=${console:-ttyS0} root=/dev/sda1"; echo \'it\'\'s\' a\\ b \\#x\nif test -n "$x" && true; then for i in 1 2; do echo $i; done; else e=1; fi || echo no\n"" \\if\n';
    const script = parseScript(text);
    const printed = printScript(script);
    expect(shape(parseScript(printed))).toEqual(shape(script));
    expect(printed).toContain('  for i in 1 2');
  });

  const fragment = fc.oneof(
    fc.constantFrom('echo', 'setenv', 'a=b', 'if', 'then', 'fi', 'else', 'for', 'in', 'do', 'done', 'while', 'true'),
    fc.constantFrom(' ', ' ', '\t', '\n', ';', '&&', '||', '"', "'", '\\', '$', '${x}', '${y:-z}', '$?', '#', '}', '{'),
    fc.string({ maxLength: 4 }),
  );
  const scriptText = fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join(''));

  it('gives a tree or a BOOTSCRIPT_SYNTAX error for any text, and print/parse round-trips', () => {
    fc.assert(
      fc.property(scriptText, (text) => {
        let script: Script;
        try {
          script = parseScript(text);
        } catch (error) {
          expect(isInitkitError(error, 'BOOTSCRIPT_SYNTAX')).toBe(true);
          return;
        }
        expect(shape(parseScript(printScript(script)))).toEqual(shape(script));
      }),
      { numRuns: 2000 },
    );
  });

  it('survives mutated corpus scripts', () => {
    const base = 'setenv bootargs "console=ttyS0"\nif test -n "${x}"; then tftp ${kernel_addr_r} zImage; fi\n';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: base.length - 1 }), fc.string({ maxLength: 3 }), (at, insert) => {
        const text = base.slice(0, at) + insert + base.slice(at + 1);
        try {
          parseScript(text);
        } catch (error) {
          expect(isInitkitError(error, 'BOOTSCRIPT_SYNTAX')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('parses the simple dialect into commands split at unquoted, unescaped semicolons', () => {
    const script = parseScript("setenv a 'x;y'; echo a\\;b; run c\n", { dialect: 'simple' });
    expect(script.body.items.map((item) => (item.first.type === 'command' ? item.first.raw : ''))).toEqual([
      "setenv a 'x;y'",
      ' echo a\\;b',
      ' run c',
    ]);
  });
});
