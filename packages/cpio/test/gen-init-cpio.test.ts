import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  archiveFromList,
  CpioArchive,
  entriesFromList,
  formatInitramfsList,
  parseInitramfsList,
  readCpio,
  symlinkTarget,
} from '@initkit/cpio';
import { describe, expect, it } from 'vitest';
import { runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { describeTree, expectCode, text } from './helpers.js';

const list = `# A simple initramfs
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /root 0700 0 0
dir /sbin 0755 0 0
file /sbin/kinit \${SRC}/kinit 0755 0 0 /sbin/kinit2 /init
slink /bin/sh busybox 777 0 0
pipe /run/initctl 0600 0 0
sock /run/sock 0755 0 0

`;

const files: Record<string, { data: Uint8Array; mtime: number }> = {
  '/src/kinit': { data: new TextEncoder().encode('kinit binary\n'), mtime: 1234 },
};
const readFile = (location: string) => {
  const file = files[location];
  if (!file) throw new Error(`no ${location}`);
  return file;
};

describe('gen_init_cpio lists', () => {
  it('parses every line type', () => {
    const items = parseInitramfsList(list);
    expect(items.map((item) => item.type)).toEqual(['dir', 'nod', 'dir', 'dir', 'file', 'slink', 'pipe', 'sock']);
    expect(items[4]).toMatchObject({
      name: '/sbin/kinit',
      location: '${SRC}/kinit',
      mode: 0o755,
      links: ['/sbin/kinit2', '/init'],
      line: 6,
    });
    expect(items[1]).toMatchObject({ device: 'c', major: 5, minor: 1 });
  });

  it('builds what gen_init_cpio builds: inodes from 721, device 3:1, data on the last link, NUL after symlink targets', () => {
    const entries = readCpio(archiveFromList(list, { readFile, mtime: 1700000000, env: { SRC: '/src' } })).entries;
    expect(entries.map((entry) => [entry.name, entry.ino, entry.nlink, entry.data.length])).toEqual([
      ['dev', 721, 2, 0],
      ['dev/console', 722, 1, 0],
      ['root', 723, 2, 0],
      ['sbin', 724, 2, 0],
      ['sbin/kinit', 725, 3, 0],
      ['sbin/kinit2', 725, 3, 0],
      ['init', 725, 3, 13],
      ['bin/sh', 726, 1, 8],
      ['run/initctl', 727, 2, 0],
      ['run/sock', 728, 2, 0],
    ]);
    expect(entries.every((entry) => entry.devMajor === 3 && entry.devMinor === 1)).toBe(true);
    expect(entries.find((entry) => entry.name === 'init')!.mtime).toBe(1234);
    expect(entries.find((entry) => entry.name === 'dev')!.mtime).toBe(1700000000);
    const sh = entries.find((entry) => entry.name === 'bin/sh')!;
    expect([text(sh.data), symlinkTarget(sh), sh.mode]).toEqual(['busybox\0', 'busybox', 0o120777]);
  });

  it('syntax errors name the line', () => {
    expectCode(() => parseInitramfsList('dir /a 0755 0\n'), 'CPIO_LIST_SYNTAX');
    expect(() => parseInitramfsList('\n\ndir /a 0755 x 0\n')).toThrow(/line 3/);
    expectCode(() => parseInitramfsList('nod /d 0600 0 0 b 1'), 'CPIO_LIST_SYNTAX');
  });

  it('reads what the kernel tool reads: unknown types warn, other nod types are char devices, sscanf numbers', () => {
    const warnings: number[] = [];
    const items = parseInitramfsList('\n\nbogus /a\nnod /d 0600 0 0 x 1 1\ndir /e 0999 0 0\n', {
      onWarning: (warning) => warnings.push(warning.line),
    });
    expect(warnings).toEqual([3]);
    expect(items[0]).toMatchObject({ type: 'nod', device: 'c' });
    // %o stops at the 9: mode 0, then uid 999 and gid 0, as gen_init_cpio's sscanf reads it.
    expect(items[1]).toMatchObject({ type: 'dir', mode: 0, uid: 999, gid: 0 });
  });

  it('prints a list from an archive that builds the same entries again', () => {
    const archive = CpioArchive.parse(archiveFromList(list, { readFile, mtime: 0, env: { SRC: '/src' } }));
    const printed = formatInitramfsList(archive, { locationPrefix: '/src' });
    expect(printed).toContain('file /sbin/kinit /src/sbin/kinit 0755 0 0 /sbin/kinit2 /init\n');
    expect(printed).toContain('slink /bin/sh busybox 0777 0 0\n');
    expect(printed).toContain('nod /dev/console 0600 0 0 c 5 1\n');
    const rebuilt = entriesFromList(printed, { readFile: () => files['/src/kinit']!, mtime: 0 });
    const original = entriesFromList(list, { readFile, mtime: 0, env: { SRC: '/src' } });
    expect(rebuilt.map((entry) => [entry.name, entry.mode, entry.nlink, entry.data?.length ?? 0])).toEqual(
      original.map((entry) => [entry.name, entry.mode, entry.nlink, entry.data?.length ?? 0]),
    );
    expectCode(() => formatInitramfsList([{ ...archive.get('dev')!, name: 'has space' }]), 'CPIO_LIST_UNREPRESENTABLE');
  });
});

describe.runIf(hasTools('cpio'))('GNU cpio extracts an archive built from a list', () => {
  const temp = useTempDir('initkit-cpio-list-');
  it('gives the tree the list describes', () => {
    const file = join(temp(), 'list.cpio');
    writeFileSync(file, archiveFromList(list, { readFile, env: { SRC: '/src' } }));
    const out = join(temp(), 'out');
    mkdirSync(out);
    runOk('cpio', ['-idm', '--quiet', '-F', file], { cwd: out });
    const tree = describeTree(out);
    expect(tree['init']).toEqual({ type: 'file', mode: 0o755, content: 'kinit binary\n', linkGroup: 'init' });
    expect(tree['sbin/kinit2']?.linkGroup).toBe('init');
    expect(tree['bin/sh']).toEqual({ type: 'symlink', target: 'busybox' });
    expect(tree['run/initctl']).toEqual({ type: 'fifo', mode: 0o600 });
  });
});
