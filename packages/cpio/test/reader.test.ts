import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CpioArchive,
  formatLongListing,
  normalizeCpioPath,
  readCpio,
  skipZeroPadding,
  symlinkTarget,
  writeCpio,
} from '@initkit/cpio';
import { describe, expect, it } from 'vitest';
import { fixture, fixtures, text } from './helpers.js';

/** Entries by normalised name (bsdtar writes `./name`, GNU cpio `name`). */
const byName = (bytes: Uint8Array) =>
  new Map(readCpio(bytes).entries.map((entry) => [normalizeCpioPath(entry.name), entry]));

describe('reading what GNU cpio and bsdtar wrote', () => {
  for (const file of ['gnu-newc.cpio', 'gnu-crc.cpio', 'bsdtar-newc.cpio']) {
    it(`${file}: every entry type, hard links, names with spaces and UTF-8, 512-byte padding`, () => {
      const bytes = fixture(file);
      const result = readCpio(bytes);
      expect(result.kernelCompatible).toBe(true);
      expect(result.format).toBe(file.includes('crc') ? 'crc' : 'newc');
      // The archive ends after the trailer; the rest up to the 512-byte block is NUL padding.
      expect(result.end).toBeLessThanOrEqual(bytes.length);
      expect(skipZeroPadding(bytes, result.end)).toBe(bytes.length);
      if (file.startsWith('gnu')) expect(bytes.length % 512).toBe(0);
      const entries = byName(bytes);
      expect(text(entries.get('hello.txt')!.data)).toBe('hello, initramfs\n');
      expect(entries.get('hello.txt')!.mode).toBe(0o104755);
      expect(entries.get('empty')!.data.length).toBe(0);
      expect(symlinkTarget(entries.get('link')!)).toBe('hello.txt');
      expect(symlinkTarget(entries.get('dir/sub/uplink')!)).toBe('../../hello.txt');
      expect(text(entries.get('with space')!.data)).toBe('spaces\n');
      expect(Buffer.from(entries.get('dir/ünïcödé')!.data).toString()).toBe('utf8\n');
      expect(entries.get('fifo')!.mode).toBe(0o010640);
      expect(entries.get('dir')!.mode).toBe(0o040750);
      expect(entries.get('.')!.mode & 0o170000).toBe(0o040000);
      const console = entries.get('console');
      if (console) expect([console.mode, console.rdevMajor, console.rdevMinor]).toEqual([0o020600, 5, 1]);
      // Three links, one inode, the data stored once.
      const links = ['dir/linked', 'dir/linked2', 'linked3'].map((name) => entries.get(name)!);
      expect(new Set(links.map((link) => link.ino)).size).toBe(1);
      expect(links.every((link) => link.nlink === 3)).toBe(true);
      expect(links.map((link) => text(link.data)).filter((data) => data !== '')).toEqual(['linked data\n']);
      // Data is a zero-copy view into the input.
      expect(entries.get('hello.txt')!.data.buffer).toBe(bytes.buffer);
    });
  }

  it('odc and old binary archives are read for inspection and flagged as rejected by the kernel', () => {
    const newc = byName(fixture('gnu-newc.cpio'));
    for (const file of ['gnu-odc.cpio', 'gnu-bin.cpio']) {
      const result = readCpio(fixture(file));
      expect(result.kernelCompatible).toBe(false);
      expect(result.format).toBe(file === 'gnu-odc.cpio' ? 'odc' : 'binary-le');
      expect(result.entries.map((entry) => entry.name).sort()).toEqual([...newc.keys()].sort());
      for (const entry of result.entries) {
        const twin = newc.get(entry.name)!;
        expect([entry.name, entry.mode, entry.mtime]).toEqual([twin.name, twin.mode, twin.mtime]);
        // Old formats store a hard-linked file's data with every link.
        if (twin.nlink < 2 || twin.data.length > 0) expect(text(entry.data)).toBe(text(twin.data));
      }
    }
  });

  it('crc checksums are verified and can be ignored', () => {
    const bytes = fixture('gnu-crc.cpio').slice();
    const hello = readCpio(bytes).entries.find((entry) => entry.name === 'hello.txt')!;
    expect(hello.check).toBe([...'hello, initramfs\n'].reduce((sum, c) => sum + c.charCodeAt(0), 0));
    bytes[hello.dataOffset] = bytes[hello.dataOffset]! ^ 1;
    expect(() => readCpio(bytes)).toThrow(/CPIO_BAD_CHECKSUM|check is/);
    expect(readCpio(bytes, { verifyChecksums: false }).entries.length).toBeGreaterThan(10);
  });

  it('cpio -tv lines, byte for byte', () => {
    const previous = process.env.TZ;
    process.env.TZ = 'UTC';
    try {
      const expected = readFileSync(join(fixtures, 'gnu-newc.tv.txt'), 'utf8');
      const lines = readCpio(fixture('gnu-newc.cpio')).entries.map((entry) =>
        formatLongListing(entry, {
          userName: (id) => (id === 0 ? 'root' : undefined),
          groupName: (id) => (id === 0 ? 'root' : undefined),
        }),
      );
      expect(`${lines.join('\n')}\n`).toBe(expected);
    } finally {
      process.env.TZ = previous;
    }
  });

  it('reads an archive at an offset inside a larger buffer and says where it ended', () => {
    const first = fixture('gnu-newc.cpio');
    const second = writeCpio(
      [{ name: 'kernel/x86/microcode/GenuineIntel.bin', mode: 0o100644, data: new Uint8Array([1, 2, 3]) }],
      {
        blockSize: 4,
      },
    );
    const prefix = 16;
    const buffer = new Uint8Array(prefix + first.length + 100 + second.length);
    buffer.set(first, prefix);
    buffer.set(second, prefix + first.length + 100);
    const one = readCpio(buffer, { offset: prefix });
    expect(one.start).toBe(prefix);
    expect(one.entries[0]!.offset).toBe(prefix);
    const next = skipZeroPadding(buffer, one.end);
    expect(next).toBe(prefix + first.length + 100);
    const two = readCpio(buffer, { offset: next });
    expect(two.entries.map((entry) => entry.name)).toEqual(['kernel/x86/microcode/GenuineIntel.bin']);
    expect(Array.from(two.entries[0]!.data)).toEqual([1, 2, 3]);
    expect(two.end).toBe(buffer.length);
  });

  it('write(parse(b)) is b for what GNU cpio wrote (newc and crc), through the model too', () => {
    for (const file of ['gnu-newc.cpio', 'gnu-crc.cpio']) {
      const bytes = fixture(file);
      const format = file.includes('crc') ? 'crc' : 'newc';
      expect(Buffer.compare(Buffer.from(writeCpio(readCpio(bytes).entries, { format })), Buffer.from(bytes))).toBe(0);
      expect(Buffer.compare(Buffer.from(CpioArchive.parse(bytes).serialize({ format })), Buffer.from(bytes))).toBe(0);
    }
  });
});
