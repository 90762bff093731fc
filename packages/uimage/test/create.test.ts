import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARCH_CODES, COMP_CODES, createUImage, OS_CODES, parseUImage, TYPE_CODES } from '../src/index.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../fixtures/uimage/${name}`, import.meta.url))));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('createUImage reproduces mkimage byte for byte', () => {
  it('kernel', () => {
    const built = createUImage({
      arch: 'arm',
      os: 'linux',
      type: 'kernel',
      compression: 'gzip',
      load: 0x8000,
      entry: 0x8000,
      name: 'Linux-6.1.0',
      time: 1700000000,
      data: fixture('kernel.bin.gz'),
    });
    expect(same(built, fixture('kernel.uimg'))).toBe(true);
  });

  it('ramdisk with the entry point defaulting to the load address', () => {
    const built = createUImage({
      arch: 'ARM',
      os: 'Linux',
      type: 'ramdisk',
      compression: 'none',
      name: 'initramfs',
      time: 1700000000,
      data: fixture('ramdisk.cpio'),
    });
    expect(same(built, fixture('ramdisk-none.uimg'))).toBe(true);
  });

  it('multi and script tables', () => {
    const files = ['one.bin', 'two.bin', 'three.bin'].map(fixture);
    expect(
      same(
        createUImage({ arch: 'arm', type: 'multi', compression: 'none', name: 'multi', time: 1700000000, files }),
        fixture('multi.uimg'),
      ),
    ).toBe(true);
    expect(
      same(
        createUImage({
          arch: 'arm',
          type: 'script',
          compression: 'none',
          name: 'Boot Script',
          time: 1700000000,
          data: fixture('boot.txt'),
        }),
        fixture('script.uimg'),
      ),
    ).toBe(true);
  });

  it('over-long names are cut at 32 bytes', () => {
    const built = createUImage({
      arch: 'x86_64',
      compression: 'none',
      name: 'this name is far longer than thirty-two bytes',
      time: 1700000000,
      data: fixture('one.bin'),
    });
    expect(same(built, fixture('longname.uimg'))).toBe(true);
  });

  it('execute in place consumes the 64 bytes reserved for the header and enters after it', () => {
    const data = new Uint8Array(80).fill(0xff);
    data.set([1, 2, 3], 64);
    const image = parseUImage(createUImage({ load: 0x1000, executeInPlace: true, data, time: 0 }));
    expect(image.header.entry).toBe(0x1040);
    expect(image.header.size).toBe(16);
    expect(() => createUImage({ executeInPlace: true, data: new Uint8Array(80) })).toThrow(/0xff/);
  });

  it('OS tee: addresses come from the OP-TEE header, as mkimage does', () => {
    const data = new Uint8Array(40);
    new DataView(data.buffer).setUint32(16, 0x12345678, true);
    const { header } = parseUImage(createUImage({ os: 'tee', load: 0x5000, entry: 0x6000, data }));
    expect([header.load, header.entry]).toEqual([0x1234565c, 0x12345678]);
  });

  it('refuses unknown names with a typed error', () => {
    expect(() => createUImage({ arch: 'vax', data: new Uint8Array(1) })).toThrow(
      expect.objectContaining({ code: 'UIMAGE_BAD_OPTION' }),
    );
  });
});

describe('round trip', () => {
  const code = (table: readonly { code: number }[]) => fc.constantFrom(...table.map((item) => item.code));
  it('parse(create(x)) gives back every field and file', () => {
    fc.assert(
      fc.property(
        fc.record({
          // OS "tee" takes its addresses from the payload (tested against mkimage in the CLI tests).
          os: code(OS_CODES.filter((item) => item.short !== 'tee')),
          arch: code(ARCH_CODES),
          type: code(TYPE_CODES),
          compression: code(COMP_CODES),
          load: fc.nat({ max: 0xffffffff }),
          entry: fc.nat({ max: 0xffffffff }),
          time: fc.nat({ max: 0xffffffff }),
          name: fc.string({ unit: 'grapheme-ascii', maxLength: 32 }).filter((name) => !name.includes('\0')),
          files: fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 4 }),
        }),
        (input) => {
          const files = input.type === 4 || input.type === 6 ? input.files : input.files.slice(0, 1);
          const image = parseUImage(createUImage({ ...input, files }));
          expect(image.header).toMatchObject({
            os: input.os,
            arch: input.arch,
            type: input.type,
            compression: input.compression,
            load: input.load,
            entry: input.entry,
            time: input.time,
            name: input.name,
          });
          expect(image.files.map((file) => [...file])).toEqual(files.map((file) => [...file]));
        },
      ),
    );
  });
});
