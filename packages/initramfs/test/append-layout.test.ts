/**
 * Append mode lays the new member out so that Debian's tools still read the result (#20): a member of
 * the original's own joinable format follows it with no NUL between (gzip -t, lz4cat -t and
 * unmkinitramfs refuse NULs as trailing garbage), and initkit's readers, in memory and streamed, read
 * every member back. Also: NUL-separated gzip members (the old layout, and other tools') larger than a
 * read piece are read by the streamed reader (it used to end in an AbortError).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { planEdit } from '../src/edit.js';
import { parseInitrd } from '../src/initrd.js';
import { listTree } from '../src/listing.js';
import { openInitrdFile } from '../src/node/read-initrd.js';
import { concatParts, writeInitrd } from '../src/write.js';

/** Random bytes that do not compress: the member is larger than the streamed reader's piece. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe.runIf(hasTools('cpio', 'gzip', 'lz4', 'lsinitramfs', 'unmkinitramfs'))('append layout', () => {
  const temp = useTempDir('initkit-append-layout-');

  /** A tree with the given files, archived by GNU cpio and compressed by `compressor`. */
  function nativeInitrd(name: string, compressor: string, files: Record<string, Uint8Array>): string {
    const root = join(temp(), `root-${name}`);
    mkdirSync(join(root, 'etc'), { recursive: true });
    for (const [path, data] of Object.entries(files)) writeFileSync(join(root, path), data);
    const path = join(temp(), name);
    execFileSync('sh', ['-c', `find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | ${compressor} > "$0"`, path], {
      cwd: root,
    });
    return path;
  }

  for (const [format, compressor] of [
    ['gzip', 'gzip -9 -c'],
    ['lz4', 'lz4 -l -q -c'],
  ] as const) {
    it(`${format}: gzip/lz4 -t pass, lsinitramfs and unmkinitramfs read it, initkit reads every member`, async () => {
      const base = nativeInitrd(`base.${format}`, compressor, { 'big.bin': noise(300_000, 1) });
      const source = parseInitrd(new Uint8Array(readFileSync(base)));
      const plan = planEdit(source.tree, { mtime: 1, add: [{ path: '/etc/added', data: 'added\n', mode: 0o644 }] });
      const result = writeInitrd(source, plan, { mode: 'append' });
      expect(result.compression).toBe(format);
      const edited = join(temp(), `edited.${format}`);
      const bytes = concatParts(result.parts, source);
      writeFileSync(edited, bytes);
      // The new member starts right after the original's last byte.
      expect(bytes.length).toBe(source.size + result.memberLength);

      const tester = format === 'gzip' ? ['gzip', ['-t', edited]] : ['sh', ['-c', 'lz4cat -t < "$0"', edited]];
      const tested = spawnSync(tester[0] as string, tester[1] as string[], { encoding: 'utf8' });
      expect(tested.status, tested.stderr).toBe(0);
      // GNU cpio stops at the first trailer: Debian's tools list and unpack the original's entries.
      const listed = execFileSync('lsinitramfs', [edited], { encoding: 'utf8' }).split('\n');
      expect(listed).toContain('big.bin');
      const unpacked = join(temp(), `unpacked-${format}`);
      execFileSync('unmkinitramfs', [edited, unpacked]);
      expect(readFileSync(join(unpacked, 'big.bin'))).toEqual(Buffer.from(noise(300_000, 1)));

      for (const back of [parseInitrd(bytes), await openInitrdFile(edited)]) {
        expect(listTree(back.tree)).toEqual(expect.arrayContaining(['big.bin', 'etc/added']));
        expect(new TextDecoder().decode(back.tree.lookup('etc/added')?.inode.data)).toBe('added\n');
      }
    });
  }

  it('an edit with nothing to add (every module already there) writes the original unchanged, no empty member', () => {
    const source = parseInitrd(
      new Uint8Array(readFileSync(nativeInitrd('same.gz', 'gzip -c', { 'a.bin': noise(1000, 4) }))),
    );
    const plan = planEdit(source.tree, { mtime: 1, add: [] });
    expect(plan.entries).toEqual([]);
    const result = writeInitrd(source, plan, { mode: 'append' });
    expect(result.memberLength).toBe(0);
    expect(concatParts(result.parts, source)).toEqual(source.bytes);
  });

  it('gzip members of more than a read piece separated by NULs: the streamed reader reads them all', async () => {
    const parts = [1, 2, 3].map((seed) =>
      readFileSync(nativeInitrd(`member${seed}.gz`, 'gzip -c', { [`f${seed}`]: noise(1_500_000, seed) })),
    );
    const padded: Buffer[] = [];
    for (const part of parts) {
      const length = padded.reduce((sum, piece) => sum + piece.length, 0) + part.length;
      padded.push(part, Buffer.alloc(4 - (length % 4)));
    }
    const path = join(temp(), 'separated.gz');
    writeFileSync(path, Buffer.concat(padded));
    const initrd = await openInitrdFile(path, { keepData: () => false });
    expect(initrd.members.map((member) => member.compression)).toEqual(['gzip', 'gzip', 'gzip']);
    expect(listTree(initrd.tree)).toEqual(expect.arrayContaining(['f1', 'f2', 'f3']));
  });
});
