import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { isSystemBootPath } from '../src/node/atomic-write.js';
import { readFileLimited, writeFileAtomic, writeFileAtomicSync } from '../src/node.js';

const tempDir = useTempDir();

describe('writeFileAtomic', () => {
  it('replaces a file, keeps its mode and leaves no temporary behind', async () => {
    const path = join(tempDir(), 'boot.img');
    writeFileSync(path, 'old', { mode: 0o600 });
    await writeFileAtomic(path, new TextEncoder().encode('new content'), { durable: true });
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(tempDir())).toEqual(['boot.img']);
  });

  it('leaves the old file when writing fails', async () => {
    const path = join(tempDir(), 'keep.img');
    writeFileSync(path, 'precious');
    const failing = {
      *[Symbol.iterator]() {
        yield new TextEncoder().encode('partial');
        throw new Error('disk on fire');
      },
    };
    await expect(writeFileAtomic(path, failing)).rejects.toThrow('disk on fire');
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(tempDir()).filter((name) => name.includes('keep'))).toEqual(['keep.img']);
  });
});

describe('writeFileAtomicSync', () => {
  it('replaces a file, keeps its mode and leaves no temporary behind', () => {
    const path = join(tempDir(), 'modules.dep');
    writeFileSync(path, 'old', { mode: 0o640 });
    writeFileAtomicSync(path, [new TextEncoder().encode('new '), new TextEncoder().encode('content')], {
      durable: true,
    });
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(tempDir()).filter((name) => name.includes('modules.dep'))).toEqual(['modules.dep']);
  });

  it('gives a new file the mode asked for, whatever the umask', () => {
    const path = join(tempDir(), 'fresh');
    const previous = process.umask(0o077);
    try {
      writeFileAtomicSync(path, new Uint8Array([1, 2, 3]), { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
  });

  it('leaves the old file when writing fails', () => {
    const path = join(tempDir(), 'keep.bin');
    writeFileSync(path, 'precious');
    const failing = {
      *[Symbol.iterator]() {
        yield new TextEncoder().encode('partial');
        throw new Error('disk on fire');
      },
    };
    expect(() => writeFileAtomicSync(path, failing)).toThrow('disk on fire');
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(tempDir()).filter((name) => name.includes('keep.bin'))).toEqual(['keep.bin']);
  });
});

describe('isSystemBootPath', () => {
  it('is true under /boot and /etc only', () => {
    expect(isSystemBootPath('/boot/initrd.img')).toBe(true);
    expect(isSystemBootPath('/etc/../boot/uInitrd')).toBe(true);
    expect(isSystemBootPath('/etc/archkernel.conf')).toBe(true);
    expect(isSystemBootPath('/bootstrap/x')).toBe(false);
    expect(isSystemBootPath('/tmp/boot/x')).toBe(false);
  });
});

describe('readFileLimited', () => {
  it('refuses a file over the limit before reading it', async () => {
    const path = join(tempDir(), 'big');
    writeFileSync(path, new Uint8Array(100));
    expect((await readFileLimited(path, 100)).length).toBe(100);
    await expect(readFileLimited(path, 99)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
  });
});
