import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createUImage, formatListing, parseUImage, UIMAGE_TYPE } from '../src/index.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../fixtures/uimage/${name}`, import.meta.url))));
const utc = { utcOffsetMinutes: () => 0 };
const images = ['kernel', 'ramdisk-gzip', 'ramdisk-none', 'multi', 'script', 'name32', 'longname'];

describe('images made by mkimage', () => {
  it.each(images)('%s: listing equals what mkimage -l printed for it', (name) => {
    const image = parseUImage(fixture(`${name}.uimg`));
    expect(formatListing(image, utc)).toBe(
      readFileSync(fileURLToPath(new URL(`../../../fixtures/uimage/${name}.list`, import.meta.url)), 'latin1'),
    );
  });

  it('kernel: fields and payload', () => {
    const image = parseUImage(fixture('kernel.uimg'));
    expect(image.header).toMatchObject({
      time: 1700000000,
      load: 0x8000,
      entry: 0x8000,
      os: 5,
      arch: 2,
      type: UIMAGE_TYPE.kernel,
      compression: 1,
      name: 'Linux-6.1.0',
    });
    expect(Buffer.from(image.payload).equals(Buffer.from(fixture('kernel.bin.gz')))).toBe(true);
  });

  it('multi: splits the files and drops the padding', () => {
    const files = parseUImage(fixture('multi.uimg')).files.map((file) => Buffer.from(file).toString());
    expect(files).toEqual(['ab', 'three', 'sixteen bytes...']);
  });

  it('script: the single file is the exact script text, no NUL or newline added', () => {
    const image = parseUImage(fixture('script.uimg'));
    expect(image.files).toHaveLength(1);
    expect(Buffer.from(image.files[0]!).equals(Buffer.from(fixture('boot.txt')))).toBe(true);
    expect(image.payload.length).toBe(8 + fixture('boot.txt').length);
  });

  it('script with several files: later files list their offset in the image', () => {
    const image = parseUImage(
      createUImage({ type: 'script', time: 0, files: [Uint8Array.of(1, 2, 3), Uint8Array.of(4)] }),
    );
    expect(formatListing(image, utc)).toContain('   Image 1: 1 Bytes = 0.00 KiB = 0.00 MiB\n    Offset = 0x00000050\n');
  });

  it('names: 32 characters have no NUL, longer names are cut at 32', () => {
    expect(parseUImage(fixture('name32.uimg')).header.name).toBe('abcdefghijklmnopqrstuvwxyz012345');
    expect(parseUImage(fixture('longname.uimg')).header.name).toBe('this name is far longer than thi');
  });
});
