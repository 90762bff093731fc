import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';

// A temporary name that is already taken (a leftover, or another writer's file) must be left alone and
// another name tried: the first exclusive create of a temporary file fails with EEXIST here.
const clashes = vi.hoisted(() => ({ left: 0, tried: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return {
    ...actual,
    openSync: (path: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode | null) => {
      if (String(path).endsWith('.tmp')) {
        clashes.tried.push(String(path));
        if (clashes.left > 0) {
          clashes.left--;
          throw Object.assign(new Error(`EEXIST: file already exists, open '${path}'`), { code: 'EEXIST' });
        }
      }
      return actual.openSync(path, flags ?? 'r', mode);
    },
  };
});

const { writeFileAtomicSync } = await import('../src/node.js');
const tempDir = useTempDir();

describe('writeFileAtomicSync when a temporary name is taken', () => {
  it('tries another name and writes the file', () => {
    clashes.left = 2;
    clashes.tried.length = 0;
    const path = join(tempDir(), 'modules.alias');
    writeFileAtomicSync(path, new TextEncoder().encode('alias x y\n'));
    expect(fs.readFileSync(path, 'utf8')).toBe('alias x y\n');
    expect(clashes.tried).toHaveLength(3);
    expect(new Set(clashes.tried).size).toBe(3);
  });

  it('gives up with the EEXIST error after a bounded number of names, leaving the target alone', () => {
    const path = join(tempDir(), 'modules.dep');
    fs.writeFileSync(path, 'old');
    clashes.left = 1000;
    clashes.tried.length = 0;
    expect(() => writeFileAtomicSync(path, new Uint8Array([1]))).toThrow(/EEXIST/);
    expect(clashes.tried.length).toBeGreaterThan(1);
    expect(clashes.tried.length).toBeLessThan(100);
    expect(fs.readFileSync(path, 'utf8')).toBe('old');
    clashes.left = 0;
  });
});
