/**
 * The closed error list: every code src/ mentions is in src/errors.ts, every listed code is used, and the
 * README's table is made from the list.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkErrorList } from '../../../test/harness/error-list.js';
import { CORE_ERROR_CODES } from '../src/errors.js';

const findings = checkErrorList({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  prefixes: ['FILE', 'BYTES'],
  codes: CORE_ERROR_CODES,
});

describe('core error list', () => {
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
