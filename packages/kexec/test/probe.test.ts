import { encodeGzip } from '@initkit/compress';
import { createUImage } from '@initkit/uimage';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGzip, KexecError, loadGunzip, planKexec, probeKernel } from '../src/index.js';
import { syntheticZImage } from './zimage.js';

describe('probeKernel', () => {
  it('reads a zImage header and its KLSZ tag', () => {
    const probe = probeKernel(syntheticZImage({ length: 0x20000, klsz: { dataSize: 0x400000, bssSize: 0x50000 } }));
    expect(probe.kind).toBe('zImage');
    expect(probe.wrappers).toEqual([]);
    expect(probe.zImage).toEqual({
      start: 0,
      end: 0x20000,
      size: 0x20000,
      appendedBytes: 0,
      sizeTag: { sizePointer: 0x20000 - 4, dataSize: 0x400000, bssSize: 0x50000 },
    });
  });

  it('counts an appended DTB and finds no tag when there is none', () => {
    const probe = probeKernel(syntheticZImage({ length: 0x20000, appended: 0x1234 }));
    expect(probe.zImage?.appendedBytes).toBe(0x1234);
    expect(probe.zImage?.sizeTag).toBeUndefined();
  });

  it('throws KEXEC_TRUNCATED for a zImage shorter than end - start', () => {
    const zImage = syntheticZImage({ length: 0x20000 }).subarray(0, 0x10000);
    expect(() => probeKernel(zImage)).toThrow(/zImage is truncated/);
    try {
      probeKernel(zImage);
    } catch (error) {
      expect((error as KexecError).code).toBe('KEXEC_TRUNCATED');
    }
  });

  it('unwraps an uncompressed ARM kernel uImage (the payload is everything after the header)', () => {
    const zImage = syntheticZImage({ length: 0x8000 });
    const image = createUImage({ data: zImage, arch: 'arm', os: 'linux', type: 'kernel', compression: 'none' });
    const probe = probeKernel(image);
    expect(probe.kind).toBe('zImage');
    expect(probe.wrappers).toEqual(['uImage']);
    expect(probe.kernel.length).toBe(zImage.length);
  });

  it('refuses uImages kexec-tools refuses: wrong arch, a ramdisk, gzip compression, a bad data CRC', () => {
    const zImage = syntheticZImage({ length: 0x8000 });
    for (const options of [
      { arch: 'x86', type: 'kernel', compression: 'none' },
      { arch: 'arm', type: 'ramdisk', compression: 'none' },
      { arch: 'arm', type: 'kernel', compression: 'gzip' },
    ] as const) {
      expect(() => probeKernel(createUImage({ data: zImage, os: 'linux', ...options }))).toThrow(KexecError);
    }
    const corrupt = createUImage({ data: zImage, arch: 'arm', os: 'linux', type: 'kernel', compression: 'none' });
    corrupt[100] = 0xff;
    expect(() => probeKernel(corrupt)).toThrow(/data CRC/);
  });

  it('recognises a bzImage and an arm64 Image, also gzip-compressed', async () => {
    const bzImage = new Uint8Array(0x400);
    bzImage.set([0x48, 0x64, 0x72, 0x53], 0x202);
    expect(probeKernel(bzImage).kind).toBe('bzImage');
    const image = new Uint8Array(0x1000);
    image.set([0x41, 0x52, 0x4d, 0x64], 0x38);
    expect(probeKernel(image).kind).toBe('arm64-Image');
    const gzipped = encodeGzip(image);
    expect(isGzip(gzipped)).toBe(true);
    const gz = probeKernel(gzipped, { gunzip: await loadGunzip() });
    expect(gz.kind).toBe('arm64-Image');
    expect(gz.wrappers).toEqual(['gzip']);
    expect(gz.kernel).toEqual(image);
  });

  it('says what a gzip kernel needs when probed or planned without a gunzip (compress is loaded on demand)', async () => {
    const image = new Uint8Array(0x1000);
    image.set([0x41, 0x52, 0x4d, 0x64], 0x38);
    const gzipped = encodeGzip(image);
    const bare = probeKernel(gzipped);
    expect(bare.kind).toBe('unknown');
    expect(bare.wrappers).toEqual(['gzip']);
    expect(bare.description).toMatch(/gzip-compressed.*loadGunzip/);
    expect(() => planKexec({ arch: 'arm64', kernel: gzipped })).toThrow(/not a kernel for arm64: a gzip-compressed/);
    const plan = planKexec({ arch: 'arm64', kernel: gzipped, gunzip: await loadGunzip() });
    expect(plan.kernelKind).toBe('gzip+arm64-Image');
    expect(plan.buffers.kernel).toEqual(image);
    expect(isGzip(image)).toBe(false);
  });

  it('a gzip that does not decode is unknown, saying why', async () => {
    const broken = encodeGzip(new Uint8Array(0x1000)).slice(0, 20);
    const probe = probeKernel(broken, { gunzip: await loadGunzip() });
    expect(probe.kind).toBe('unknown');
    expect(probe.description).toMatch(/gzip file that does not decode/);
  });

  it('says unknown for other files', () => {
    expect(probeKernel(new TextEncoder().encode('root:x:0:0:root:/root:/bin/sh\n')).kind).toBe('unknown');
    expect(probeKernel(new Uint8Array(0)).description).toBe('an empty file');
  });

  it('fuzz: random bytes return a probe or throw KexecError, nothing else', async () => {
    const gunzip = await loadGunzip();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          probeKernel(bytes, { gunzip });
        } catch (error) {
          expect(error).toBeInstanceOf(KexecError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('fuzz: mutated zImage headers and tag tables return or throw KexecError', () => {
    const base = syntheticZImage({ length: 0x400, klsz: { dataSize: 0x1000, bssSize: 0x100 } });
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0x24, max: 0x5f }), value: fc.integer({ min: 0, max: 255 }) }), {
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: 0x400 }),
        (mutations, cut) => {
          const bytes = new Uint8Array(base.subarray(0, Math.max(cut, 0x41)));
          for (const { at, value } of mutations) if (at < bytes.length) bytes[at] = value;
          try {
            probeKernel(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(KexecError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
