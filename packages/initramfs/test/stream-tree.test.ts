/**
 * The streamed merged tree (treeArchive) and the streamed full rewrite (writeInitrdFullStream), read
 * from initrds opened without their contents: the archive holds exactly the tree parseInitrd builds
 * with every byte in memory, for each member compression, with hard links and overwritten files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileEntry, hardLinkEntries, writeCpio } from '@initkit/cpio';
import { diffTrees, parseInitrd, planEdit } from '@initkit/initramfs';
import { openInitrd, openInitrdFile, treeArchive, writeInitrdFullStream } from '@initkit/initramfs/node';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/harness/run.js';

const fixture = (name: string) => join(repoRoot, 'fixtures/initramfs', name);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk.slice());
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const FORMATS = ['gzip', 'xz', 'zstd', 'lz4', 'lzma', 'lzo', 'bzip2'];

describe('treeArchive', () => {
  for (const format of FORMATS) {
    it(`early-${format}.img: the streamed tree equals the tree read with every byte in memory`, async () => {
      const path = fixture(`early-${format}.img`);
      const whole = parseInitrd(new Uint8Array(readFileSync(path)));
      const opened = await openInitrdFile(path, { keepData: () => false });
      expect(opened.complete).toBe(false);
      const archive = await collect(treeArchive(opened, opened.tree));
      const again = parseInitrd(archive);
      expect(diffTrees(whole.tree, again.tree)).toEqual({ added: [], removed: [], changed: [] });
    });
  }

  it('hard links stay links, and a file a later member rewrites comes from that member', async () => {
    const first = writeCpio([...hardLinkEntries(['a', 'b'], 'linked data', 5), fileEntry('c', 'old contents')]);
    const second = writeCpio([fileEntry('c', 'new contents, longer')]);
    const initrd = new Uint8Array([...gzipSync(first), 0, 0, 0, 0, ...gzipSync(second)]);
    const opened = await openInitrd(initrd, { keepData: () => false });
    const again = parseInitrd(await collect(treeArchive(opened, opened.tree)));
    expect(new TextDecoder().decode(again.tree.node('c')!.inode.data)).toBe('new contents, longer');
    expect(again.tree.node('a')!.inode).toBe(again.tree.node('b')!.inode);
    expect(new TextDecoder().decode(again.tree.node('b')!.inode.data)).toBe('linked data');
  });
});

describe('writeInitrdFullStream', () => {
  for (const compression of ['gzip', 'lz4', 'lzma', 'none'] as const) {
    it(`rewrites scaleway.uimg (${compression}) to the planned tree, in a uImage with a valid header`, async () => {
      const path = fixture('scaleway.uimg');
      const opened = await openInitrdFile(path, { keepData: () => false });
      const plan = planEdit(opened.tree, { add: [{ path: 'etc/motd', data: 'hello\n' }], mtime: 1 });
      const stream = writeInitrdFullStream(opened, plan, { compression });
      const payload = await collect(stream.chunks);
      const { header, length } = stream.finish();
      expect(header).toBeDefined();
      const output = new Uint8Array([...header!, ...payload]);
      expect(output.length).toBe(length);
      const written = parseInitrd(output); // checks the header and data CRCs
      expect(written.members.at(-1)!.compression).toBe(compression);
      const whole = parseInitrd(new Uint8Array(readFileSync(path)));
      const expected = planEdit(whole.tree, { add: [{ path: 'etc/motd', data: 'hello\n' }], mtime: 1 }).tree;
      expect(diffTrees(expected, written.tree)).toEqual({ added: [], removed: [], changed: [] });
    });
  }
});
