/** What the fdt tests share: the committed fixtures (fixtures/fdt) and the code of an InitkitError. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InitkitError } from '@initkit/core';

export const fixture = (name: string) =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../fixtures/fdt/${name}`, import.meta.url))));

/** The code of the InitkitError `action` throws; undefined when it returns. Other errors are rethrown. */
export const codeOf = (action: () => unknown): string | undefined => {
  try {
    action();
  } catch (error) {
    if (error instanceof InitkitError) return error.code;
    throw error;
  }
  return undefined;
};
