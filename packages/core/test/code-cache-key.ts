/**
 * What runWithCodeCache's tests check of a written cache file: its first line, the key that ties it to
 * this Node, this architecture and the bundle's size and modification time.
 */
import { readFileSync, statSync } from 'node:fs';
import { expect } from 'vitest';

export function expectCacheKey(cache: string, bundle: string): void {
  const key = readFileSync(cache).subarray(0, 200).toString('latin1').split('\n')[0];
  const { size, mtimeMs } = statSync(bundle);
  expect(key).toBe(`${cache.split('/').at(-1)} ${process.version} ${process.arch} ${size} ${Math.trunc(mtimeMs)}`);
}
