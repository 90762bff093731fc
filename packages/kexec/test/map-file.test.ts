import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mapFileReadOnly } from '../src/node.js';

describe('mapFileReadOnly', () => {
  const directory = mkdtempSync(join(tmpdir(), 'initkit-kexec-map-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('gives a file its bytes through mmap, outliving the descriptor; an empty file is empty', async () => {
    const content = new Uint8Array(3 * 4096 + 17).map((_, index) => (index * 7) & 0xff);
    const path = join(directory, 'initrd');
    writeFileSync(path, content);
    const mapped = await mapFileReadOnly(path);
    expect(mapped.length).toBe(content.length);
    expect(mapped).toEqual(content);
    // Mapped, not read: the file shows in this process's memory map.
    expect(readFileSync('/proc/self/maps', 'utf8')).toContain(path);
    const empty = join(directory, 'empty');
    writeFileSync(empty, '');
    expect((await mapFileReadOnly(empty)).length).toBe(0);
    await expect(mapFileReadOnly(join(directory, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
