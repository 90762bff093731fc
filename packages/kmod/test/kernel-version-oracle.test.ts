/**
 * The kernel release of each Debian 12 vmlinuz (an x86 bzImage, an ARM zImage with an xz payload)
 * equals the package's release, also inside uImages made by mkimage, and for a gzip'd and a raw banner;
 * fake zImages in every payload compression, decoded only as far as their banner.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeGzip } from '@initkit/compress';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianArch, type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { kernelVersion } from '../src/kernel-version.js';

describe('kernel version of Debian 12 images', () => {
  const temp = useTempDir('initkit-kmod-kver-');
  for (const arch of ['amd64', 'armhf'] as DebianArch[]) {
    describe(arch, () => {
      let kernel: DebianKernel;
      let image: Uint8Array;
      beforeAll(async () => {
        kernel = await debianKernel(arch);
        image = new Uint8Array(readFileSync(kernel.vmlinuz));
      });

      it('reads the package release from vmlinuz', () => {
        const version = kernelVersion(image);
        expect(version.release).toBe(kernel.release);
        expect(version.layers).toEqual([arch === 'amd64' ? 'bzImage' : 'zImage']);
        expect(version.banner).toContain(kernel.release);
        if (arch === 'armhf') expect(version.compression).toBe('xz');
      });

      it.runIf(hasTools('mkimage'))('reads it through a uImage made by mkimage', () => {
        const wrapped = join(temp(), `${arch}.uImage`);
        runOk('mkimage', [
          '-A',
          arch === 'amd64' ? 'x86_64' : 'arm',
          '-O',
          'linux',
          '-T',
          'kernel',
          '-C',
          'none',
          '-a',
          '0x8000',
          '-e',
          '0x8000',
          '-n',
          'Linux',
          '-d',
          kernel.vmlinuz,
          wrapped,
        ]);
        const version = kernelVersion(new Uint8Array(readFileSync(wrapped)));
        expect(version.release).toBe(kernel.release);
        expect(version.layers[0]).toBe('uImage');
      });
    });
  }

  it('reads a gzip-compressed raw kernel (arm64 Image.gz style) and an arm64 Image header', () => {
    const banner = new TextEncoder().encode(
      '\0\0Linux version 6.12.1-1-aarch64-ARCH (linux-aarch64@archlinuxarm) (gcc) #1 SMP\n\0',
    );
    const arm64 = new Uint8Array(4096);
    new DataView(arm64.buffer).setUint32(0x38, 0x644d5241, true);
    arm64.set(banner, 1000);
    expect(kernelVersion(arm64)).toMatchObject({ release: '6.12.1-1-aarch64-ARCH', layers: ['arm64-Image'] });
    const gz = encodeGzip(arm64);
    writeFileSync(join(temp(), 'Image.gz'), gz);
    expect(kernelVersion(gz)).toMatchObject({
      release: '6.12.1-1-aarch64-ARCH',
      layers: ['compressed', 'arm64-Image'],
      compression: 'gzip',
    });
  });

  describe.runIf(hasTools('gzip', 'xz', 'lzma', 'lzop', 'lz4', 'zstd'))(
    'ARM zImages with each payload compression',
    () => {
      // A fake kernel: code-like bytes, the banner in the middle, more bytes after.
      const fakeKernel = new Uint8Array(300_000);
      for (let i = 0; i < fakeKernel.length; i++) fakeKernel[i] = (i * 7919) % 251;
      fakeKernel.set(
        new TextEncoder().encode('Linux version 6.6.7-armv7 (builder@arch) (gcc 13) #1 SMP PREEMPT\n\0'),
        150_000,
      );
      const compressors: [string, string, string[]][] = [
        ['gzip', 'gzip', ['-9', '-n', '-c']],
        ['xz', 'xz', ['--check=crc32', '--arm', '--lzma2=dict=1MiB', '-c']],
        ['lzma', 'lzma', ['-9', '-c']],
        ['lzo', 'lzop', ['-9', '-c']],
        ['lz4', 'lz4', ['-l', '-9', '-c']],
        ['zstd', 'zstd', ['-19', '-q', '-c']],
      ];
      /**
       * A zImage around `kernel` compressed by `tool`: header, decoy magics, payload (its first `keep`
       * bytes when given), size word, appended DTB.
       */
      const zImageOf = (
        kernel: Uint8Array,
        format: string,
        tool: string,
        args: string[],
        keep?: number,
      ): Uint8Array => {
        const raw = join(temp(), `kernel-${format}`);
        writeFileSync(raw, kernel);
        const payload = runOk(tool, [...args, raw]).stdoutBytes.subarray(0, keep);
        // Decompressor stand-in: the zImage header, then decoy magics as real decompressor code holds them.
        const head = new Uint8Array(0x4000);
        head.set([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x1f, 0x8b, 0x08, 0x5d, 0x00, 0x00, 0x00], 0x1000);
        const size = new Uint8Array(4);
        new DataView(size.buffer).setUint32(0, kernel.length, true);
        const zImageLength = head.length + payload.length + size.length;
        const dtb = new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 16, 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]);
        const image = new Uint8Array(zImageLength + dtb.length);
        image.set(head);
        image.set(payload, head.length);
        image.set(size, head.length + payload.length);
        image.set(dtb, zImageLength);
        const view = new DataView(image.buffer);
        view.setUint32(0x24, 0x016f2818, true);
        view.setUint32(0x28, 0, true);
        view.setUint32(0x2c, zImageLength, true);
        return image;
      };
      for (const [format, tool, args] of compressors) {
        it(`${format} payload, after a decompressor holding decoy magics, with a DTB appended`, () => {
          const image = zImageOf(fakeKernel, format, tool, args);
          expect(kernelVersion(image)).toMatchObject({
            release: '6.6.7-armv7',
            layers: ['zImage'],
            compression: format,
          });
        });
      }

      // The streamable formats stop decoding at the banner: a payload cut short well after its banner (which
      // a whole decode rejects as truncated) still gives the release, and so does a kernel larger than
      // maxOutputBytes whose banner comes early. Noise-like bytes, so that no decoder emits megabytes at once.
      const bigKernel = new Uint8Array(2 << 20);
      for (let i = 0, state = 1; i < bigKernel.length; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        bigKernel[i] = state >>> 24;
      }
      bigKernel.set(
        new TextEncoder().encode('Linux version 6.6.8-armv7 (builder@arch) (gcc 13) #2 SMP PREEMPT\n\0'),
        (256 << 10) - 20,
      );
      const fast: [string, string, string[]][] = [
        ['gzip', 'gzip', ['-1', '-n', '-c']],
        ['xz', 'xz', ['--check=crc32', '--arm', '--lzma2=preset=0,dict=1MiB', '-c']],
        ['lzma', 'lzma', ['-0', '-c']],
        ['zstd', 'zstd', ['-1', '-q', '-c']],
      ];
      for (const [format, tool, args] of fast) {
        it(`${format} payload: decoding stops at the banner`, () => {
          const whole = zImageOf(bigKernel, format, tool, args);
          expect(kernelVersion(whole, { maxOutputBytes: 3 << 19 })).toMatchObject({
            release: '6.6.8-armv7',
            compression: format,
          });
          const cut = zImageOf(bigKernel, format, tool, args, 1 << 20);
          const decoded: number[] = [];
          expect(kernelVersion(cut, { onDecoded: (bytes) => decoded.push(bytes) })).toMatchObject({
            release: '6.6.8-armv7',
            compression: format,
          });
          // onDecoded saw the output grow, and it stopped short of the whole kernel.
          expect(decoded.length).toBeGreaterThan(0);
          expect(decoded).toEqual([...decoded].sort((a, b) => a - b));
          expect(decoded.at(-1)).toBeLessThan(bigKernel.length);
        });
      }
    },
  );

  it('fails with KMOD_KERNEL_VERSION_NOT_FOUND on something that is not a kernel', () => {
    expect(() => kernelVersion(new Uint8Array(1000))).toThrow(
      expect.objectContaining({ code: 'KMOD_KERNEL_VERSION_NOT_FOUND' }),
    );
  });
});
