import {
  CpioArchive,
  comparePaths,
  directoryEntry,
  fileEntry,
  normalizeCpioPath,
  readCpio,
  symlinkEntry,
  writeCpio,
} from '@initkit/cpio';
import { describe, expect, it } from 'vitest';
import { expectCode, fixture, text } from './helpers.js';

describe('paths', () => {
  it('normalises names and refuses ..', () => {
    expect(normalizeCpioPath('/usr//bin/./sh')).toBe('usr/bin/sh');
    expect(normalizeCpioPath('./init')).toBe('init');
    expect(normalizeCpioPath('/')).toBe('.');
    expect(normalizeCpioPath('.')).toBe('.');
    expectCode(() => normalizeCpioPath('a/../b'), 'CPIO_BAD_PATH');
    expectCode(() => normalizeCpioPath(''), 'CPIO_BAD_PATH');
  });

  it('sorts parents before children, component by component', () => {
    expect(['a-b', 'a/b', 'a', '.', 'a/b/c', 'B'].sort(comparePaths)).toEqual(['.', 'B', 'a', 'a/b', 'a/b/c', 'a-b']);
  });
});

describe('CpioArchive', () => {
  const build = () =>
    CpioArchive.from([
      directoryEntry('/bin'),
      fileEntry('bin/busybox', 'bb'),
      symlinkEntry('bin/sh', 'busybox'),
      directoryEntry('etc'),
      fileEntry('etc/fstab', 'none'),
      fileEntry('init', '#!/bin/sh\n', 0o755),
    ]);

  it('adds, replaces in place, removes and renames, keeping order', () => {
    const archive = build();
    expect(archive.paths()).toEqual(['bin', 'bin/busybox', 'bin/sh', 'etc', 'etc/fstab', 'init']);
    expectCode(() => archive.add(fileEntry('init', 'again')), 'CPIO_EXISTS');
    archive.replace(fileEntry('/etc/fstab', 'proc /proc proc defaults 0 0\n'));
    expect(archive.paths().indexOf('etc/fstab')).toBe(4);
    expect(text(archive.get('etc/fstab')!.data)).toBe('proc /proc proc defaults 0 0\n');
    expectCode(() => archive.replace(fileEntry('nope', '')), 'CPIO_NOT_FOUND');
    expectCode(() => archive.remove('bin'), 'CPIO_NOT_EMPTY');
    archive.rename('bin', 'sbin');
    expect(archive.paths()).toEqual(['sbin', 'sbin/busybox', 'sbin/sh', 'etc', 'etc/fstab', 'init']);
    expect(archive.get('sbin/sh')!.name).toBe('sbin/sh');
    expectCode(() => archive.rename('sbin', 'sbin/x'), 'CPIO_BAD_PATH');
    expectCode(() => archive.rename('init', 'etc'), 'CPIO_EXISTS');
    expect(archive.remove('sbin', { recursive: true })).toEqual(['sbin', 'sbin/busybox', 'sbin/sh']);
    archive.set(fileEntry('new', 'appended'));
    expect(archive.paths()).toEqual(['etc', 'etc/fstab', 'init', 'new']);
    expectCode(() => archive.add(fileEntry('../escape', '')), 'CPIO_BAD_PATH');
    const hostile = writeCpio([fileEntry('ok', ''), fileEntry('../escape', '')]);
    expectCode(() => CpioArchive.parse(hostile), 'CPIO_BAD_PATH', readCpio(hostile).entries[1]!.offset);
  });

  it('serializes to an archive the reader reads back', () => {
    const archive = build();
    const entries = readCpio(archive.serialize({ format: 'crc' })).entries;
    expect(entries.map((entry) => entry.name)).toEqual(archive.paths());
    expect(new Set(entries.map((entry) => entry.ino)).size).toBe(entries.length);
    expect(text(entries.find((entry) => entry.name === 'init')!.data)).toBe('#!/bin/sh\n');
  });

  it('hard links share data: removing the link that carried it loses nothing', () => {
    const archive = CpioArchive.parse(fixture('gnu-newc.cpio'));
    expect(text(archive.get('dir/linked')!.data)).toBe('linked data\n');
    archive.remove('linked3');
    const again = CpioArchive.parse(archive.serialize());
    expect(['dir/linked', 'dir/linked2'].map((path) => text(again.get(path)!.data))).toEqual([
      'linked data\n',
      'linked data\n',
    ]);
    const stored = readCpio(archive.serialize()).entries.filter((entry) => entry.name.startsWith('dir/linked'));
    expect(stored.map((entry) => entry.data.length)).toEqual([0, 12]);
  });

  it('link() makes a hard link and updates every link count', () => {
    const archive = build();
    archive.link('bin/ash', 'bin/busybox');
    const entries = readCpio(archive.serialize({ hardLinkData: 'first' })).entries;
    const busybox = entries.find((entry) => entry.name === 'bin/busybox')!;
    const ash = entries.find((entry) => entry.name === 'bin/ash')!;
    expect([busybox.ino, busybox.nlink, text(busybox.data)]).toEqual([ash.ino, 2, 'bb']);
    expect([ash.nlink, ash.data.length]).toEqual([2, 0]);
    expectCode(() => archive.link('x', 'bin/sh'), 'CPIO_BAD_LINK');
  });

  it('a name given twice: the later entry wins, in the earlier place (as the kernel overwrites)', () => {
    const bytes = writeCpio([fileEntry('a', 'old'), fileEntry('b', 'b'), fileEntry('./a', 'new')]);
    const archive = CpioArchive.parse(bytes);
    expect(archive.paths()).toEqual(['a', 'b']);
    expect(text(archive.get('a')!.data)).toBe('new');
  });
});

describe('writer options', () => {
  it('reproducible: sorted, parents first, inodes from 1, owners and times fixed, same bytes every time', () => {
    const shuffled = [
      fileEntry('z/file', 'z', 0o644, { uid: 1000, gid: 1000, mtime: 123456, ino: 999, devMajor: 8, devMinor: 1 }),
      directoryEntry('z', 0o755, { mtime: 5 }),
      fileEntry('a-b', 'x', 0o644, { mtime: 7 }),
      directoryEntry('a', 0o755),
      fileEntry('a/b', 'y', 0o644),
    ];
    const bytes = writeCpio(shuffled, { reproducible: true, mtime: 1700000000 });
    const entries = readCpio(bytes).entries;
    expect(entries.map((entry) => entry.name)).toEqual(['a', 'a/b', 'a-b', 'z', 'z/file']);
    expect(entries.map((entry) => entry.ino)).toEqual([1, 2, 3, 4, 5]);
    expect(
      entries.every(
        (entry) => entry.uid === 0 && entry.gid === 0 && entry.mtime === 1700000000 && entry.devMajor === 0,
      ),
    ).toBe(true);
    expect(
      Buffer.compare(
        Buffer.from(writeCpio([...shuffled].reverse(), { reproducible: true, mtime: 1700000000 })),
        Buffer.from(bytes),
      ),
    ).toBe(0);
  });

  it('inode renumbering keeps hard-link groups together; block size pads the end', () => {
    const bytes = writeCpio(
      [
        { name: 'x', mode: 0o100644, ino: 70, nlink: 2, data: new Uint8Array([1]) },
        { name: 'y', mode: 0o100644 },
        { name: 'z', mode: 0o100644, ino: 70, nlink: 2, data: new Uint8Array([1]) },
      ],
      { inodeStart: 300, blockSize: 1024 },
    );
    expect(bytes.length).toBe(1024);
    expect(readCpio(bytes).entries.map((entry) => [entry.name, entry.ino, entry.data.length])).toEqual([
      ['x', 300, 0],
      ['y', 301, 0],
      ['z', 300, 1],
    ]);
  });
});
