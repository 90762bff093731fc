import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { writeFileAtomic, writeFileAtomicSync } from '../src/node.js';

const tempDir = useTempDir();
const bytes = (text: string) => new TextEncoder().encode(text);

/** A FIFO with `cat` reading it: what a writer puts in comes out of cat's stdout. */
function fifoWithReader(path: string): Promise<string> {
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  const reader = spawn('cat', [path]);
  let output = '';
  reader.stdout.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => reader.on('close', () => resolve(output)));
}

describe('atomic writes to targets a rename would destroy', () => {
  it('writes into a FIFO in place instead of replacing it with a file (as -o /dev/null or a pipe)', async () => {
    const path = join(tempDir(), 'pipe');
    const read = fifoWithReader(path);
    await writeFileAtomic(path, [bytes('through '), bytes('the pipe')]);
    expect(await read).toBe('through the pipe');
    expect(lstatSync(path).isFIFO()).toBe(true);
  });

  it('writes a reserved header first when the target cannot seek', async () => {
    const path = join(tempDir(), 'header-pipe');
    const read = fifoWithReader(path);
    await writeFileAtomic(path, bytes('body'), { header: { length: 4, bytes: () => bytes('HEAD') } });
    expect(await read).toBe('HEADbody');
  });

  it('writeFileAtomicSync also writes a FIFO in place', async () => {
    const path = join(tempDir(), 'sync-pipe');
    const read = fifoWithReader(path);
    writeFileAtomicSync(path, bytes('sync'));
    expect(await read).toBe('sync');
    expect(lstatSync(path).isFIFO()).toBe(true);
  });

  it('follows a symbolic link: the file it names is replaced, the link stays a link', async () => {
    const directory = tempDir();
    writeFileSync(join(directory, 'initrd.img-6.1.0'), 'old');
    symlinkSync('initrd.img-6.1.0', join(directory, 'initrd.img'));
    await writeFileAtomic(join(directory, 'initrd.img'), bytes('new'));
    expect(readlinkSync(join(directory, 'initrd.img'))).toBe('initrd.img-6.1.0');
    expect(readFileSync(join(directory, 'initrd.img-6.1.0'), 'utf8')).toBe('new');
    writeFileAtomicSync(join(directory, 'initrd.img'), bytes('newer'));
    expect(lstatSync(join(directory, 'initrd.img')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(directory, 'initrd.img-6.1.0'), 'utf8')).toBe('newer');
  });
});
