import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWithCodeCache } from '../src/node/code-cache.js';
import { expectCacheKey } from './code-cache-key.js';

/** What the bundle saw, kept on globalThis by the bundle itself (it runs in this process). */
const seen = () => (globalThis as { codeCacheTest?: string[] }).codeCacheTest ?? [];

describe('runWithCodeCache', () => {
  const root = mkdtempSync(join(tmpdir(), 'initkit-code-cache-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const bundle = join(root, 'app.cjs');
  writeFileSync(
    bundle,
    "(globalThis.codeCacheTest ??= []).push(require('node:path').basename(__filename) + ' ' + typeof require.resolve + ' ' + module.exports.constructor.name);\n",
  );

  it('runs the bundle as a CommonJS module, writes the cache with its key when told, and reuses it', () => {
    const directory = join(root, 'private');
    const run = () =>
      runWithCodeCache({ file: bundle, directory, name: 'app.v8cache', create: true, writeOn: 'test:a' });
    run();
    expect(seen().at(-1)).toBe('app.cjs function Object');
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    process.emit('test:a' as 'exit', 0);
    const cache = join(directory, 'app.v8cache');
    const written = statSync(cache);
    expect(written.mode & 0o777).toBe(0o600);
    expectCacheKey(cache, bundle);
    // Accepted this time: nothing waits to write it again.
    run();
    process.emit('test:a' as 'exit', 0);
    expect(statSync(cache).ino).toBe(written.ino);
    expect(seen().length).toBe(2);
  });

  it('keeps no cache in a directory others can write, nor in a missing one unless told to make it', () => {
    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    runWithCodeCache({ file: bundle, directory: shared, name: 'app.v8cache', writeOn: 'test:b' });
    const missing = join(root, 'missing');
    runWithCodeCache({ file: bundle, directory: missing, name: 'app.v8cache', writeOn: 'test:b' });
    process.emit('test:b' as 'exit', 0);
    expect(existsSync(join(shared, 'app.v8cache'))).toBe(false);
    expect(existsSync(missing)).toBe(false);
    expect(seen().length).toBe(4);
  });
});
