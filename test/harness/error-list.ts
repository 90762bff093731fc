/**
 * Checks a package's closed error list (src/errors.ts) against its sources and its README, as
 * CONTRIBUTING.md asks: every code string in src is listed, every listed code is used outside the list,
 * and the README's error table is exactly the list (the failure prints the table to paste).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

export interface ErrorListCheck {
  /** The package directory, e.g. packages/uimage. */
  packageDir: string;
  /** The code prefixes the package owns (a code is PREFIX_SOMETHING). */
  prefixes: readonly string[];
  /** The package's `<NAME>_ERROR_CODES` object. */
  codes: Readonly<Record<string, string>>;
}

export interface ErrorListFindings {
  /** Code strings in src that the list lacks. */
  unlisted: string[];
  /** Listed codes that no source file outside the list mentions. */
  unused: string[];
  /** The README table as it should read. */
  expectedTable: string;
  /** The README table as it reads (between the errors markers), or undefined when the markers are missing. */
  readmeTable: string | undefined;
}

const BEGIN = '<!-- errors:begin (made from src/errors.ts; test/errors.test.ts checks it) -->';
const END = '<!-- errors:end -->';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The README table for a list: one row per code, in the list's order. */
export function errorTable(codes: Readonly<Record<string, string>>): string {
  const rows = Object.entries(codes).map(([code, meaning]) => `| \`${code}\` | ${meaning.replaceAll('|', '\\|')} |`);
  return [BEGIN, '| code | meaning |', '|---|---|', ...rows, END].join('\n');
}

export function checkErrorList({ packageDir, prefixes, codes }: ErrorListCheck): ErrorListFindings {
  const pattern = new RegExp(`['"\`]((?:${prefixes.join('|')})_[A-Z0-9_]+)['"\`]`, 'g');
  const seen = new Set<string>();
  for (const file of sourceFiles(join(packageDir, 'src'))) {
    let text = readFileSync(file, 'utf8');
    // The list itself does not count as a use of its codes.
    text = text.replace(/export const [A-Z0-9_]+_ERROR_CODES = \{[\s\S]*?\} as const;/, '');
    for (const match of text.matchAll(pattern)) if (!match[1]!.endsWith('_ERROR_CODES')) seen.add(match[1]!);
  }
  const listed = new Set(Object.keys(codes));
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END, begin);
  return {
    unlisted: [...seen].filter((code) => !listed.has(code)).sort(),
    unused: [...listed].filter((code) => !seen.has(code)).sort(),
    expectedTable: errorTable(codes),
    readmeTable: begin >= 0 && end > begin ? readme.slice(begin, end + END.length) : undefined,
  };
}

/**
 * The three checks as a vitest suite, for a package's test/errors.test.ts: `testFileUrl` is that file's
 * import.meta.url (the package is its parent's parent).
 */
export function describeErrorList(
  testFileUrl: string,
  prefixes: readonly string[],
  codes: Readonly<Record<string, string>>,
): void {
  const packageDir = fileURLToPath(new URL('..', testFileUrl));
  const findings = checkErrorList({ packageDir, prefixes, codes });
  describe(`error list of ${packageDir.replace(/\/$/, '').split('/').pop()}`, () => {
    it('lists every code src/ throws', () => {
      expect(findings.unlisted).toEqual([]);
    });

    it('lists no code src/ never uses', () => {
      expect(findings.unused).toEqual([]);
    });

    it("the README's error table is the list (paste the expected table when it fails)", () => {
      expect(findings.readmeTable).toBe(findings.expectedTable);
    });
  });
}
