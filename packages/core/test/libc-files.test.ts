/**
 * libcFiles (file calls through the C library) against node:fs, the oracle: the same bytes for a
 * regular file, an empty one, a procfs file (size 0) and a large one; the same status for files,
 * directories, symbolic links and descriptors; undefined wherever node:fs would throw; and the code
 * cache runner reading through it.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWithCodeCache } from '../src/node/code-cache.js';
import { libcFiles, readFileFast } from '../src/node/libc-files.js';
import { expectCacheKey } from './code-cache-key.js';

describe('libcFiles', () => {
  const root = mkdtempSync(join(tmpdir(), 'initkit-libc-files-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const files = libcFiles(import.meta.url);

  it('is there on Linux x64, arm64 and armhf with koffi in reach', () => {
    expect(files).toBeDefined();
  });

  it('reads what readFileSync reads: regular, empty, procfs and multi-page files', () => {
    const small = join(root, 'small');
    writeFileSync(small, 'hello\n');
    const empty = join(root, 'empty');
    writeFileSync(empty, '');
    const large = join(root, 'large');
    writeFileSync(
      large,
      new Uint8Array(3 * 65536 + 7).map((_, index) => (index * 31) & 0xff),
    );
    for (const path of [small, empty, large, '/proc/self/stat', '/proc/version']) {
      const read = files?.readFile(path);
      // /proc/self/stat differs between two reads (times): compare its first field, the pid.
      if (path === '/proc/self/stat') expect(read?.toString().split(' ')[0]).toBe(String(process.pid));
      else expect(read).toEqual(readFileSync(path));
    }
    expect(readFileFast(large)).toEqual(readFileSync(large));
  });

  it("answers undefined where node:fs throws, and readFileFast throws node:fs's own error", () => {
    expect(files?.readFile(join(root, 'missing'))).toBeUndefined();
    expect(files?.readFile(root)).toBeUndefined();
    expect(files?.open(join(root, 'missing'))).toBeUndefined();
    expect(files?.status(join(root, 'missing'))).toBeUndefined();
    expect(() => readFileFast(join(root, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => readFileFast(root)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });

  it('gives the status node:fs gives, of paths (following links or not) and of descriptors', () => {
    const file = join(root, 'status');
    writeFileSync(file, 'twelve bytes', { mode: 0o640 });
    const directory = join(root, 'directory');
    mkdirSync(directory, { mode: 0o750 });
    const link = join(root, 'link');
    symlinkSync(file, link);
    const pick = (info: { size: number; mode: number; uid: number; mtimeMs: number }) => ({
      size: info.size,
      mode: info.mode,
      uid: info.uid,
      mtimeMs: info.mtimeMs,
    });
    for (const path of [file, directory, link]) {
      expect(pick(files?.status(path) ?? statSync(root))).toEqual(pick(statSync(path)));
      expect(pick(files?.status(path, { follow: false }) ?? statSync(root))).toEqual(pick(lstatSync(path)));
    }
    expect(files?.status(file)).toMatchObject({ isFile: true, isDirectory: false });
    expect(files?.status(directory)).toMatchObject({ isFile: false, isDirectory: true });
    expect(files?.status(link, { follow: false })).toMatchObject({ isFile: false, isDirectory: false });
    const fd = files?.open(file) as number;
    expect(fd).toBeGreaterThanOrEqual(0);
    try {
      expect(files?.status(fd)?.size).toBe(12);
      // Reads land at the offset asked for inside the array.
      const bytes = new Uint8Array(20);
      expect(files?.read(fd, bytes, 4, 6)).toBe(6);
      expect(Buffer.from(bytes.subarray(4, 10)).toString()).toBe('twelve');
      expect(bytes.subarray(0, 4).every((byte) => byte === 0)).toBe(true);
      expect(files?.read(fd, bytes, 10, 10)).toBe(6);
      expect(files?.read(fd, bytes, 0, 10)).toBe(0);
    } finally {
      files?.close(fd);
    }
  });

  it('lets the code cache runner read its bundle and cache through it, with the key node:fs would give', () => {
    const bundle = join(root, 'app.cjs');
    writeFileSync(bundle, '(globalThis.libcFilesTest ??= []).push(__filename);\n');
    const directory = join(root, 'cache');
    const run = () =>
      runWithCodeCache({
        file: bundle,
        directory,
        name: 'app.v8cache',
        create: true,
        writeOn: 'test:libc',
        koffiFrom: import.meta.url,
      });
    run();
    process.emit('test:libc' as 'exit', 0);
    const cache = join(directory, 'app.v8cache');
    const written = statSync(cache);
    expectCacheKey(cache, bundle);
    // Read back and accepted: not written again.
    run();
    process.emit('test:libc' as 'exit', 0);
    expect(statSync(cache).ino).toBe(written.ino);
    expect((globalThis as { libcFilesTest?: string[] }).libcFilesTest).toEqual([bundle, bundle]);
  });
});
