/**
 * The merged tree against the tree GNU cpio archived: directory link counts in `ls -v` are what the
 * unpacked tree has (2 + subdirectories, as `find -printf %n` shows them), and names that differ only in
 * bytes that are not UTF-8 (\xff\xfe and \xfe\xff, made with Python) stay two files, listed escaped.
 */
import { join } from 'node:path';
import { listTree, parseInitrd, treeToJson } from '@initkit/initramfs';
import { describe, expect, it } from 'vitest';
import { runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

describe.runIf(hasTools('cpio', 'python3', 'find'))('merged tree: link counts and byte names', () => {
  const temp = useTempDir();

  it('matches the source tree GNU cpio archived', () => {
    const source = join(temp(), 'tree');
    runOk('python3', [
      '-c',
      [
        'import os, sys',
        'root = os.fsencode(sys.argv[1])',
        'for d in (b"a/b/c", b"a/d", b"a/e", b"f", b"g\\xfe\\xff/h"):',
        '    os.makedirs(os.path.join(root, d))',
        'for name in (b"\\xff\\xfe", b"\\xfe\\xff", b"a/file"):',
        '    open(os.path.join(root, name), "wb").write(name)',
      ].join('\n'),
      source,
    ]);
    const archive = runOk('sh', ['-c', 'cd "$0" && find . | cpio -o -H newc --quiet', source]).stdoutBytes;
    const initrd = parseInitrd(new Uint8Array(archive));

    // find prints names as bytes: compare as latin1 text, our escaped names turned back into bytes.
    const found = runOk('find', [source, '-type', 'd', '-printf', '%P\\t%n\\n']).stdoutBytes.toString('latin1');
    const expected = new Map(
      found
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('\t') as [string, string])
        .map(([path, links]) => [path === '' ? '.' : path, Number(links)]),
    );
    const listed = new Map<string, number>();
    for (const line of listTree(initrd.tree, { long: true, now: 0 })) {
      if (!line.startsWith('d')) continue;
      const fields = line.split(/ +/);
      const name = fields
        .slice(8)
        .join(' ')
        .replace(/\\x([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      listed.set(name, Number(fields[1]));
    }
    expect(listed).toEqual(expected);

    const names = listTree(initrd.tree);
    expect(names).toContain('\\xff\\xfe');
    expect(names).toContain('\\xfe\\xff');
    const json = treeToJson(initrd.tree) as { name: string; nameHex?: string }[];
    expect(json.filter((entry) => entry.nameHex === 'fffe' || entry.nameHex === 'feff')).toHaveLength(2);
  });
});
