/**
 * Packing a directory: the archive holds what `find . | cpio -o -H newc` holds (names, types, modes,
 * owners, times, inodes, link counts, data, hard links), and both cpio and our extraction give the
 * original tree back.
 */
import { linkSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCpio } from '@initkit/cpio';
import { collectTree, extractCpio, packDirectory, packDirectoryToFile } from '@initkit/cpio/node';
import { describe, expect, it } from 'vitest';
import { runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { describeTree } from './helpers.js';

function makeTree(root: string): void {
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'etc/deep/er'), { recursive: true });
  writeFileSync(join(root, 'bin/busybox'), 'busybox'.repeat(1000), { mode: 0o755 });
  symlinkSync('busybox', join(root, 'bin/sh'));
  linkSync(join(root, 'bin/busybox'), join(root, 'bin/ash'));
  writeFileSync(join(root, 'etc/deep/er/file with space'), 'x');
  writeFileSync(join(root, 'etc/ünï'), '');
  runOk('mkfifo', [join(root, 'etc/fifo')]);
  utimesSync(join(root, 'etc/ünï'), 1_500_000_000, 1_500_000_000);
}

describe.runIf(hasTools('cpio', 'find'))('packing a directory like find . | cpio -o -H newc', () => {
  const temp = useTempDir('initkit-cpio-pack-');

  it('holds the same entries, field for field', () => {
    const tree = join(temp(), 'tree');
    makeTree(tree);
    const ours = readCpio(packDirectory(tree)).entries;
    const theirs = readCpio(
      new Uint8Array(runOk('sh', ['-c', 'find . | cpio -o -H newc --quiet'], { cwd: tree }).stdoutBytes),
    ).entries;
    const fields = (entries: typeof ours) =>
      Object.fromEntries(
        entries.map(({ name, mode, uid, gid, mtime, ino, nlink, devMajor, devMinor, rdevMajor, rdevMinor, data }) => [
          name,
          {
            mode,
            uid,
            gid,
            mtime,
            ino,
            nlink,
            devMajor,
            devMinor,
            rdevMajor,
            rdevMinor,
            data: Buffer.from(data).toString('latin1'),
          },
        ]),
      );
    expect(fields(ours)).toEqual(fields(theirs));
    expect(ours[0]!.name).toBe('.');
  });

  it('cpio -i and our extraction give the tree back (newc and crc, reproducible too)', async () => {
    const tree = join(temp(), 'tree2');
    makeTree(tree);
    for (const options of [{}, { format: 'crc' as const }, { reproducible: true }]) {
      const file = join(temp(), `packed-${JSON.stringify(options)}.cpio`);
      const summary = await packDirectoryToFile(tree, file, options);
      expect(summary.entries).toBe(collectTree(tree).length);
      expect(summary.bytes).toBe(readFileSync(file).length);
      const byCpio = join(temp(), `by-cpio-${JSON.stringify(options)}`);
      mkdirSync(byCpio);
      runOk('cpio', ['-idm', '--quiet', '-F', file], { cwd: byCpio });
      const byUs = join(temp(), `by-us-${JSON.stringify(options)}`);
      await extractCpio(new Uint8Array(readFileSync(file)), byUs);
      const reproducible = 'reproducible' in options;
      expect(describeTree(byCpio, { mtimes: !reproducible })).toEqual(describeTree(tree, { mtimes: !reproducible }));
      expect(describeTree(byUs, { mtimes: !reproducible })).toEqual(describeTree(tree, { mtimes: !reproducible }));
    }
  });

  it('reproducible output does not depend on inode numbers, times or owners', async () => {
    const one = join(temp(), 'r1');
    const two = join(temp(), 'r2');
    makeTree(one);
    makeTree(two);
    utimesSync(join(two, 'bin/busybox'), 1, 1);
    expect(
      Buffer.compare(
        Buffer.from(packDirectory(one, { reproducible: true })),
        Buffer.from(packDirectory(two, { reproducible: true })),
      ),
    ).toBe(0);
  });
});
