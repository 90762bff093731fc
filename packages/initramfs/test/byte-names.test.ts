/**
 * Names are bytes end to end (#22): two files named \xff\xfe and \xfe\xff (GNU cpio archives both) stay
 * two files through extractInitrd and a full rewrite (the streamed tree archive used to write the
 * U+FFFD replacement for both, so one was lost), and GNU cpio reads the rewritten names back unchanged.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { planEdit } from '../src/edit.js';
import { extractInitrd } from '../src/node/extract.js';
import { openInitrdFile } from '../src/node/read-initrd.js';
import { writeInitrdFullStream } from '../src/node/write-stream.js';

const NAMES = [Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])];

describe.runIf(hasTools('cpio', 'gzip'))('names that are not UTF-8', () => {
  const temp = useTempDir('initkit-byte-names-');

  function initrd(): string {
    const root = join(temp(), 'root');
    mkdirSync(root, { recursive: true });
    // Buffer paths: the names' own bytes on disk.
    NAMES.forEach((name, index) => {
      writeFileSync(Buffer.concat([Buffer.from(`${root}/`), name]), `file ${index}\n`);
    });
    const path = join(temp(), 'initrd.gz');
    execFileSync('sh', ['-c', 'ls | cpio --quiet -o -H newc | gzip -c > "$0"', path], { cwd: root });
    return path;
  }

  const listing = (directory: string) =>
    readdirSync(directory, { encoding: 'buffer' })
      .map((name) => name.toString('hex'))
      .sort();

  it('extractInitrd writes both files under their own bytes', async () => {
    const target = join(temp(), 'extracted');
    await extractInitrd(await openInitrdFile(initrd()), target);
    expect(listing(target)).toEqual(['feff', 'fffe']);
    expect(readFileSync(Buffer.concat([Buffer.from(`${target}/`), NAMES[0]!]), 'utf8')).toBe('file 0\n');
  });

  it('a full rewrite writes the names back unchanged (GNU cpio unpacks both)', async () => {
    const source = await openInitrdFile(initrd());
    const plan = planEdit(source.tree, { mtime: 1, add: [{ path: '/etc/added', data: 'x\n' }] });
    const stream = writeInitrdFullStream(source, plan, { mode: 'full' });
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream.chunks) chunks.push(chunk);
    const rewritten = join(temp(), 'rewritten.gz');
    writeFileSync(rewritten, Buffer.concat(chunks));
    const unpacked = join(temp(), 'unpacked');
    mkdirSync(unpacked);
    execFileSync('sh', ['-c', 'gzip -dc "$0" | cpio --quiet -i -d', rewritten], { cwd: unpacked });
    expect(listing(unpacked)).toEqual(['etc', 'feff', 'fffe'].map((name) => (name === 'etc' ? '657463' : name)).sort());
  });
});
