/**
 * One member walk, three byte sources: the in-memory reader (parseInitrd), the Node reader over bytes
 * (openInitrd) and over a file (openInitrdFile) must find the same members and padding in good
 * initrds, and the same error code and offset in bad ones.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { parseInitrd } from '../src/initrd.js';
import { openInitrd, openInitrdFile } from '../src/node/read-initrd.js';
import { archive, concat, directoryEntry, fileEntry, member, padTo, ramdisk } from './build.js';

const temp = useTempDir('initkit-member-walk-');
let fileNumber = 0;

const early = archive([directoryEntry('kernel'), fileEntry('kernel/ucode.bin', 'microcode')]);
const main = member([directoryEntry('etc'), fileEntry('etc/hostname', 'box\n')], 'gzip');

function summary(initrd: ReturnType<typeof parseInitrd>) {
  return {
    segments: initrd.segments,
    members: initrd.members.map(({ offset, length, compression, archives, entries }) => ({
      offset,
      length,
      compression,
      archives,
      paths: entries.map((entry) => entry.path),
    })),
  };
}

/** The three readers on the same bytes. */
async function readAll(bytes: Uint8Array) {
  const path = join(temp(), `initrd-${fileNumber++}`);
  writeFileSync(path, bytes);
  return {
    memory: () => parseInitrd(bytes),
    node: () => openInitrd(bytes),
    file: () => openInitrdFile(path),
  };
}

async function errorOf(action: () => unknown): Promise<InitkitError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(InitkitError);
    return error as InitkitError;
  }
  throw new Error('expected an InitkitError');
}

const good: { name: string; bytes: () => Uint8Array }[] = [
  { name: 'early archive, block padding, gzip member', bytes: () => concat(early, padTo(early.length, 512), main) },
  { name: 'early archive followed directly by a member', bytes: () => concat(early, main) },
  { name: 'two uncompressed archives', bytes: () => concat(early, early) },
  {
    name: 'lzma (streamed) and lz4 (decoded whole) members',
    bytes: () => concat(member([fileEntry('a', '1')], 'lzma'), member([fileEntry('b', '2')], 'lz4')),
  },
  { name: 'a wrapped initrd', bytes: () => ramdisk(concat(early, padTo(early.length, 4), main)) },
];

/** Each bad initrd with the code and offset all three readers must report. */
const bad: { name: string; bytes: () => Uint8Array; code: string; offset: number }[] = [
  {
    name: 'two bytes that start no member',
    bytes: () => new Uint8Array([0x58, 0x59]),
    code: 'INITRAMFS_BAD_MEMBER',
    offset: 0,
  },
  {
    name: 'junk after an early archive',
    bytes: () => concat(early, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])),
    code: 'INITRAMFS_BAD_MEMBER',
    offset: early.length,
  },
  {
    name: 'an archive off a 4-byte boundary',
    bytes: () => concat(new Uint8Array(2), early),
    code: 'INITRAMFS_MISALIGNED_ARCHIVE',
    offset: 2,
  },
  {
    name: 'an odc archive',
    bytes: () => new TextEncoder().encode(`070707${'0'.repeat(70)}`),
    code: 'INITRAMFS_BAD_MEMBER',
    offset: 0,
  },
  {
    name: 'an early archive cut in its data',
    bytes: () => early.subarray(0, 130),
    code: 'CPIO_TRUNCATED',
    offset: 120,
  },
  {
    name: 'a compressed member that is not lz4 legacy (lz4 frame)',
    bytes: () => new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0, 0, 0, 0]),
    code: 'INITRAMFS_BAD_MEMBER',
    offset: 0,
  },
  {
    name: 'junk inside a gzip member after its archives',
    bytes: () => encode('gzip', concat(archive([fileEntry('a', '1')]), new Uint8Array([9, 9, 9, 9]))),
    code: 'INITRAMFS_JUNK_IN_MEMBER',
    // In the member's decompressed bytes, past the archive's trailer and writeCpio's block padding.
    offset: 512,
  },
];

describe('one member walk behind every initrd reader', () => {
  for (const testCase of good) {
    it(`${testCase.name}: the same members and padding from memory, bytes and a file`, async () => {
      const readers = await readAll(testCase.bytes());
      const memory = summary(readers.memory());
      expect(summary(await readers.node())).toEqual(memory);
      expect(summary(await readers.file())).toEqual(memory);
      const covered = memory.segments.reduce((sum, segment) => sum + segment.length, 0);
      expect(covered).toBe(readers.memory().payloadLength);
    });
  }

  for (const testCase of bad) {
    it(`${testCase.name}: ${testCase.code} from every reader`, async () => {
      const readers = await readAll(testCase.bytes());
      const errors = [await errorOf(readers.memory), await errorOf(readers.node), await errorOf(readers.file)];
      for (const error of errors) {
        expect(error.code).toBe(testCase.code);
        expect(error.offset).toBe(testCase.offset);
      }
    });
  }
});
