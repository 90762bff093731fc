import { encode } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { UIMAGE_HEADER_SIZE } from '@initkit/uimage';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInitrd } from '../src/initrd.js';
import { listTree } from '../src/listing.js';
import { archive, concat, directoryEntry, fileEntry, member, padTo, ramdisk, systemTree, text } from './build.js';

const gzip = (bytes: Uint8Array) => encode('gzip', bytes);

const early = archive([
  directoryEntry('kernel'),
  directoryEntry('kernel/x86'),
  directoryEntry('kernel/x86/microcode'),
  fileEntry('kernel/x86/microcode/AuthenticAMD.bin', 'microcode'),
]);

describe('parseInitrd: members as the kernel reads them', () => {
  it('splits early cpio, NUL padding and compressed members of every kernel format', () => {
    for (const format of ['gzip', 'lzma', 'lz4'] as const) {
      const main = member(systemTree(), format);
      const bytes = concat(early, padTo(early.length, 512), main);
      const initrd = parseInitrd(bytes);
      expect(initrd.members.map((m) => m.compression)).toEqual(['none', format]);
      expect(initrd.members[1]!.offset).toBe(early.length);
      expect(initrd.members[1]!.length).toBe(main.length);
      expect(initrd.segments.map((s) => s.kind)).toEqual(['member', 'padding', 'member']);
      expect(listTree(initrd.tree)).toContain('kernel/x86/microcode/AuthenticAMD.bin');
      expect(text(initrd.tree.lookup('bin/sh')?.inode.data)).toBe('ELF busybox stand-in');
    }
  });

  it('reads several archives inside one compressed member; gzip members back to back read as one, as gzip -d does', () => {
    const inner = concat(archive([fileEntry('a', '1')]), archive([fileEntry('a', '2'), fileEntry('b', '3')]));
    const initrd = parseInitrd(concat(member([fileEntry('c', '0')], 'gzip'), gzip(inner)));
    expect(initrd.members).toHaveLength(1);
    expect(initrd.members[0]!.archives).toBe(3);
    expect(text(initrd.tree.node('a')!.inode.data)).toBe('2');
  });

  it('unwraps a ramdisk uImage and reports offsets inside the payload', () => {
    const payload = member(systemTree());
    const initrd = parseInitrd(ramdisk(payload));
    expect(initrd.wrapper?.name).toBe('initramfs');
    expect(initrd.payloadOffset).toBe(UIMAGE_HEADER_SIZE);
    expect(initrd.members[0]!.length).toBe(payload.length);
  });

  it('names the offset of bytes that are no member', () => {
    const bytes = concat(
      member([fileEntry('a', '1')]),
      new Uint8Array([0, 0, 0, 0]),
      new TextEncoder().encode('junk!'),
    );
    const error = catchError(() => parseInitrd(bytes));
    expect(error.code).toBe('INITRAMFS_BAD_MEMBER');
    expect(error.offset).toBe(bytes.length - 5);
  });

  it('refuses an uncompressed archive off a 4-byte boundary, and odc archives', () => {
    const bytes = concat(new Uint8Array([0, 0]), archive([fileEntry('a', '1')]));
    expect(catchError(() => parseInitrd(bytes)).code).toBe('INITRAMFS_MISALIGNED_ARCHIVE');
    const odc = new TextEncoder().encode('070707000000');
    expect(catchError(() => parseInitrd(odc)).code).toBe('INITRAMFS_BAD_MEMBER');
  });

  it('refuses junk after the archives inside a compressed member', () => {
    const inner = concat(archive([fileEntry('a', '1')]), new TextEncoder().encode('garbage'));
    expect(catchError(() => parseInitrd(gzip(inner))).code).toBe('INITRAMFS_JUNK_IN_MEMBER');
  });

  it('reports a truncated compressed member as a typed error', () => {
    const bytes = member(systemTree());
    expect(() => parseInitrd(bytes.subarray(0, bytes.length - 20))).toThrow(InitkitError);
  });

  it('returns or throws InitkitError for random and mutated inputs', () => {
    const good = concat(early, padTo(early.length, 512), member(systemTree()));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc
            .array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
            .map((edits) => {
              const copy = good.slice();
              for (const [at, value] of edits) copy[at] = value;
              return copy;
            }),
          fc.nat(good.length).map((cut) => good.subarray(0, cut)),
        ),
        (bytes) => {
          try {
            parseInitrd(bytes);
          } catch (error) {
            if (!(error instanceof InitkitError)) throw error;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function catchError(action: () => unknown): InitkitError {
  try {
    action();
  } catch (error) {
    if (error instanceof InitkitError) return error;
    throw error;
  }
  throw new Error('expected an InitkitError');
}
