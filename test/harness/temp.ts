/**
 * Temporary directories for tests, removed after the test file finishes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function useTempDir(prefix = 'initkit-test-'): () => string {
  let directory: string | undefined;
  afterAll(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });
  return () => {
    directory ??= mkdtempSync(join(tmpdir(), prefix));
    return directory;
  };
}
