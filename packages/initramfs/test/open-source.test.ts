/**
 * openInitrdSource (the isomorphic streaming reader the web inspector uses) against parseInitrd, the
 * in-memory reader, on the same bytes: the same members, padding, entries and merged tree; contents it
 * did not keep read back by readEntryData equal to the ones parseInitrd holds; the same error code and
 * offset for bad initrds; progress by bytes read.
 */

import { createHash } from 'node:crypto';
import { encode } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { hardLinkEntries, symlinkEntry } from '@initkit/cpio';
import { describe, expect, it } from 'vitest';
import { type Initrd, parseInitrd } from '../src/initrd.js';
import { type InitrdSource, openInitrdSource, readEntryData } from '../src/open-source.js';
import type { DataSource } from '../src/tree.js';
import { archive, concat, directoryEntry, fileEntry, member, padTo, ramdisk } from './build.js';

/** A source over bytes that counts what was read and copies like a file read would. */
function memorySource(bytes: Uint8Array): InitrdSource & { reads: number } {
  const source = {
    size: bytes.length,
    reads: 0,
    read(start: number, end: number) {
      source.reads++;
      return bytes.slice(start, end);
    },
  };
  return source;
}

const digest = (data: Uint8Array) => `${data.length}:${createHash('sha256').update(data).digest('hex')}`;

const early = archive([directoryEntry('kernel'), fileEntry('kernel/ucode.bin', 'microcode')]);
const big = new Uint8Array(600 << 10).map((_, index) => (index * 2654435761) >>> 24);
const main = [
  directoryEntry('etc'),
  fileEntry('etc/hostname', 'box\n'),
  fileEntry('etc/big.bin', big),
  symlinkEntry('init', 'etc/hostname'),
  ...hardLinkEntries(['etc/a', 'etc/b'], 'linked\n', 4242),
];

/** The same tree without the large file (the JS lzma encoder is slow). */
const small = main.filter((entry) => entry.name !== 'etc/big.bin');

function shape(initrd: Initrd) {
  return {
    size: initrd.size,
    payloadOffset: initrd.payloadOffset,
    payloadCrc: initrd.payloadCrc,
    segments: initrd.segments,
    members: initrd.members.map(({ entries, ...rest }) => ({
      ...rest,
      entries: entries.map(({ data: _data, ...entry }) => entry),
    })),
    tree: initrd.tree.list().map((node) => ({ path: node.path, size: node.inode.size, source: node.inode.source })),
  };
}

const good: { name: string; bytes: () => Uint8Array }[] = [
  { name: 'early archive, padding, gzip member', bytes: () => concat(early, padTo(early.length, 512), member(main)) },
  { name: 'lzma member', bytes: () => concat(early, member(small, 'lzma')) },
  {
    name: 'lzma then lz4 (decoded whole) members',
    bytes: () => concat(member(small, 'lzma'), member([fileEntry('z', '2')], 'lz4')),
  },
  { name: 'a wrapped initrd', bytes: () => ramdisk(concat(early, padTo(early.length, 4), member(main))) },
  { name: 'a plain cpio archive', bytes: () => archive(main) },
];

describe('openInitrdSource reads as parseInitrd does', () => {
  for (const testCase of good) {
    it(`${testCase.name}: same members and tree; contents read back equal`, async () => {
      const bytes = testCase.bytes();
      const memory = parseInitrd(bytes);
      const source = memorySource(bytes);
      const progress: number[] = [];
      const streamed = await openInitrdSource(source, { onProgress: (done) => progress.push(done) });
      expect(shape(streamed)).toEqual(shape(memory));
      expect(progress.length).toBeGreaterThan(0);
      expect(Math.max(...progress)).toBe(bytes.length);
      // Only symlink targets are kept by default; everything else is read back.
      const wanted: DataSource[] = [];
      const expected = new Map<string, string>();
      for (const node of streamed.tree.list()) {
        if (node.inode.source && node.inode.size > 0 && node.inode.data === undefined) {
          wanted.push(node.inode.source);
          const data = memory.tree.node(node.path)?.inode.data ?? new Uint8Array(0);
          expected.set(`${node.inode.source.member}:${node.inode.source.entry}`, digest(data));
        }
      }
      expect(wanted.length).toBeGreaterThan(0);
      const seen = new Map<string, string>();
      await readEntryData(streamed, source, wanted, (entry, data) => {
        seen.set(`${entry.member}:${entry.entry}`, digest(data));
      });
      expect(seen).toEqual(expected);
    });
  }

  it('keeps what keepData accepts, and only that', async () => {
    const bytes = concat(early, member(main));
    const streamed = await openInitrdSource(memorySource(bytes), { keepData: (path) => path === 'etc/hostname' });
    expect(new TextDecoder().decode(streamed.tree.node('etc/hostname')?.inode.data)).toBe('box\n');
    expect(streamed.tree.node('etc/big.bin')?.inode.data).toBeUndefined();
    expect(streamed.tree.node('init')?.inode.data).toBeDefined();
    expect(streamed.complete).toBe(false);
  });

  it('reads a 3 MiB member in pieces: progress moves while the member decodes', async () => {
    const noise = new Uint8Array(3 << 20);
    for (let at = 0; at < noise.length; at += 65536) crypto.getRandomValues(noise.subarray(at, at + 65536));
    const bytes = member([fileEntry('noise', noise)], 'gzip');
    const progress: number[] = [];
    await openInitrdSource(memorySource(bytes), { onProgress: (done) => progress.push(done) });
    const inside = progress.filter((done) => done > 0 && done < bytes.length);
    expect(inside.length).toBeGreaterThanOrEqual(3);
  });

  const bad: { name: string; bytes: () => Uint8Array }[] = [
    { name: 'bytes that start no member', bytes: () => new Uint8Array([0x58, 0x59]) },
    { name: 'an archive off a 4-byte boundary', bytes: () => concat(new Uint8Array(2), early) },
    { name: 'an early archive cut in its data', bytes: () => early.subarray(0, 130) },
    {
      name: 'junk inside a gzip member after its archives',
      bytes: () => encode('gzip', concat(archive([fileEntry('a', '1')]), new Uint8Array([9, 9, 9, 9]))),
    },
    {
      name: 'a truncated lzma member',
      bytes: () => {
        const whole = member(small, 'lzma');
        return whole.subarray(0, whole.length >> 1);
      },
    },
  ];
  it('a wrapped initrd with a bad data CRC: UIMAGE_BAD_DCRC at the header field, as openInitrdFile says', async () => {
    const image = ramdisk(member(main));
    image[image.length - 1]! ^= 1;
    const error = await openInitrdSource(memorySource(image)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InitkitError);
    expect({ code: (error as InitkitError).code, offset: (error as InitkitError).offset }).toEqual({
      code: 'UIMAGE_BAD_DCRC',
      offset: 24,
    });
  });
  for (const testCase of bad) {
    it(`${testCase.name}: the code and offset parseInitrd gives`, async () => {
      const bytes = testCase.bytes();
      let expected: InitkitError | undefined;
      try {
        parseInitrd(bytes);
      } catch (error) {
        expected = error as InitkitError;
      }
      expect(expected).toBeInstanceOf(InitkitError);
      const error = await openInitrdSource(memorySource(bytes)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(InitkitError);
      expect({ code: (error as InitkitError).code, offset: (error as InitkitError).offset }).toEqual({
        code: expected!.code,
        offset: expected!.offset,
      });
    });
  }
});
