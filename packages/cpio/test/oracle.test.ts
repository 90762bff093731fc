/**
 * The native tools as oracles: GNU cpio and bsdtar list and extract what we write into the same tree
 * we meant, and our extraction of their archives gives the tree they extract themselves.
 */
import { lstatSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CpioEntryInput,
  deviceEntry,
  directoryEntry,
  fifoEntry,
  fileEntry,
  formatLongListing,
  hardLinkEntries,
  readCpio,
  socketEntry,
  symlinkEntry,
  writeCpio,
} from '@initkit/cpio';
import { extractCpio } from '@initkit/cpio/node';
import { describe, expect, it } from 'vitest';
import { runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools, isRoot } from '../../../test/harness/tools.js';
import { describeTree, fixture, fixtures } from './helpers.js';

const root = isRoot();
const mtime = 1_600_000_000;

function sampleEntries(): CpioEntryInput[] {
  const options = { mtime };
  return [
    directoryEntry('bin', 0o755, options),
    fileEntry('bin/busybox', 'pretend this is busybox\n', 0o755, options),
    symlinkEntry('bin/sh', 'busybox', options),
    fileEntry('empty', '', 0o600, options),
    directoryEntry('etc', 0o755, options),
    fileEntry('etc/with space', 'spaced\n', 0o644, options),
    fileEntry('etc/ünïcödé', 'utf-8 name\n', 0o644, options),
    fileEntry('etc/setuid', 'x', 0o4755, options),
    directoryEntry('dev', 0o755, options),
    ...(root
      ? [
          deviceEntry('dev/console', 'char', 5, 1, 0o600, options),
          deviceEntry('dev/sda', 'block', 8, 0, 0o660, options),
        ]
      : []),
    fifoEntry('dev/initctl', 0o600, options),
    ...hardLinkEntries(['lib/a', 'lib/b', 'c'], 'shared by three links\n', 1234, 0o644, options),
    directoryEntry('lib', 0o700, options),
    symlinkEntry('abs', '/bin/busybox', options),
  ];
}

/** The tree those entries describe, as describeTree reports it. */
function expectedTree() {
  const tree: ReturnType<typeof describeTree> = {
    abs: { type: 'symlink', target: '/bin/busybox' },
    bin: { type: 'directory', mode: 0o755 },
    'bin/busybox': { type: 'file', mode: 0o755, content: 'pretend this is busybox\n' },
    'bin/sh': { type: 'symlink', target: 'busybox' },
    c: { type: 'file', mode: 0o644, content: 'shared by three links\n', linkGroup: 'c' },
    dev: { type: 'directory', mode: 0o755 },
    'dev/initctl': { type: 'fifo', mode: 0o600 },
    empty: { type: 'file', mode: 0o600, content: '' },
    etc: { type: 'directory', mode: 0o755 },
    'etc/setuid': { type: 'file', mode: 0o4755, content: 'x' },
    'etc/with space': { type: 'file', mode: 0o644, content: 'spaced\n' },
    'etc/ünïcödé': { type: 'file', mode: 0o644, content: 'utf-8 name\n' },
    lib: { type: 'directory', mode: 0o700 },
    'lib/a': { type: 'file', mode: 0o644, content: 'shared by three links\n', linkGroup: 'c' },
    'lib/b': { type: 'file', mode: 0o644, content: 'shared by three links\n', linkGroup: 'c' },
  };
  if (root) {
    tree['dev/console'] = { type: 'char-device', mode: 0o600, rdev: '5:1' };
    tree['dev/sda'] = { type: 'block-device', mode: 0o660, rdev: '8:0' };
  }
  return tree;
}

describe.runIf(hasTools('cpio', 'bsdtar'))('GNU cpio and bsdtar read what we write', () => {
  const temp = useTempDir('initkit-cpio-oracle-');

  for (const format of ['newc', 'crc'] as const) {
    for (const hardLinkData of ['last', 'first'] as const) {
      it(`${format}, hard-link data on the ${hardLinkData} link: same tree from cpio -i and bsdtar -x`, () => {
        const archive = writeCpio(sampleEntries(), { format, hardLinkData });
        const file = join(temp(), `sample-${format}-${hardLinkData}.cpio`);
        writeFileSync(file, archive);

        // Listing: cpio -tv prints what our listing prints.
        const listed = runOk('cpio', ['-tv', '--quiet', '-n', '-F', file], { env: { TZ: 'UTC' } }).stdout;
        const ours = readCpio(archive).entries.map((entry) => formatLongListing(entry));
        expect(listed.trimEnd().split('\n')).toEqual(ours);
        expect(runOk('bsdtar', ['-tf', file]).stdout.trimEnd().split('\n')).toEqual(
          sampleEntries().map((entry) => entry.name),
        );

        const byCpio = join(temp(), `cpio-${format}-${hardLinkData}`);
        mkdirSync(byCpio);
        runOk('cpio', ['-idm', '--quiet', '--no-absolute-filenames', '-F', file], { cwd: byCpio });
        expect(describeTree(byCpio)).toEqual(expectedTree());

        const byBsdtar = join(temp(), `bsdtar-${format}-${hardLinkData}`);
        mkdirSync(byBsdtar);
        runOk('bsdtar', ['-xpf', file, '-C', byBsdtar]);
        expect(describeTree(byBsdtar)).toEqual(expectedTree());
      });
    }
  }

  it('a socket entry is listed by cpio', () => {
    const archive = writeCpio([socketEntry('run/sock', 0o755)]);
    const file = join(temp(), 'socket.cpio');
    writeFileSync(file, archive);
    expect(runOk('cpio', ['-tv', '--quiet', '-F', file]).stdout).toMatch(/^srwxr-xr-x .* run\/sock$/m);
  });

  it('fifos and (as root) device nodes, made through mknod(2), match what cpio -i makes', async () => {
    const options = { mtime };
    const entries: CpioEntryInput[] = [
      directoryEntry('dev', 0o755, options),
      fifoEntry('dev/initctl', 0o620, options),
      fifoEntry('dev/\udcff\udcfe-fifo', 0o644, options),
      ...(root
        ? [
            deviceEntry('dev/console', 'char', 5, 1, 0o600, options),
            deviceEntry('dev/sda1', 'block', 8, 1, 0o660, options),
            // Numbers past the 8-bit minor and 12-bit major of the classic dev_t encoding.
            deviceEntry('dev/big', 'char', 4095, 1_000_000, 0o640, options),
          ]
        : []),
    ];
    const archive = writeCpio(entries);
    const file = join(temp(), 'nodes.cpio');
    writeFileSync(file, archive);
    const reference = join(temp(), 'nodes-cpio');
    mkdirSync(reference);
    runOk('cpio', ['-idm', '--quiet', '-F', file], { cwd: reference });
    const ours = join(temp(), 'nodes-ours');
    const report = await extractCpio(archive, ours, { devices: true });
    expect(report.skipped).toEqual([]);
    expect(report.fifos).toBe(2);
    expect(report.devices).toBe(root ? 3 : 0);
    // The name that is not UTF-8: the same bytes on disk from both, a fifo (describeTree reads strings).
    const rawName = Buffer.from([0xff, 0xfe, ...Buffer.from('-fifo')]);
    for (const directory of [reference, ours]) {
      const names = readdirSync(join(directory, 'dev'), { encoding: 'buffer' });
      expect(names.some((name) => name.equals(rawName))).toBe(true);
      const path = Buffer.concat([Buffer.from(`${directory}/dev/`), rawName]);
      expect(lstatSync(path).isFIFO()).toBe(true);
      unlinkSync(path);
    }
    const tree = describeTree(ours, { mtimes: true });
    expect(tree).toEqual(describeTree(reference, { mtimes: true }));
    if (root) expect(tree['dev/big']).toMatchObject({ type: 'char-device', rdev: '4095:1000000' });
  });

  it('our extraction of GNU cpio and bsdtar archives gives the tree cpio -i gives', async () => {
    for (const name of ['gnu-newc.cpio', 'gnu-crc.cpio', 'bsdtar-newc.cpio']) {
      const reference = join(temp(), `ref-${name}`);
      mkdirSync(reference);
      runOk('cpio', ['-idm', '--quiet', '-F', join(fixtures, name)], { cwd: reference });
      const ours = join(temp(), `ours-${name}`);
      const report = await extractCpio(fixture(name), ours, { devices: true });
      expect(report.skipped).toEqual([]);
      expect(describeTree(ours, { mtimes: true })).toEqual(describeTree(reference, { mtimes: true }));
    }
  });
});
