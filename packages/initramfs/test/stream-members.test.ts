/**
 * The Node reader streams xz, lzma and zstd members: a member is never held whole, its size limit acts
 * while it decodes, and real data that expands without bound (a zero-filled image file, which
 * lsinitramfs lists and the kernel unpacks) is read with the default limits on every path.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInitkitError } from '@initkit/core';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { parseInitrd } from '../src/initrd.js';
import { openInitrdFile } from '../src/node/read-initrd.js';

const IMAGE_BYTES = 24 << 20;

describe.runIf(hasTools('cpio', 'zstd', 'bzip2', 'xz', 'gzip', 'lsinitramfs'))(
  'members that expand without bound',
  () => {
    const temp = useTempDir('initkit-stream-members-');

    /** An initrd of a small tree plus a zero-filled image file, under `compressor`. */
    function initrdWithImage(compressor: string): string {
      const root = join(temp(), `root-${compressor.split(' ')[0]}`);
      mkdirSync(join(root, 'etc'), { recursive: true });
      writeFileSync(join(root, 'etc/hostname'), 'initkit\n');
      writeFileSync(join(root, 'disk.img'), new Uint8Array(IMAGE_BYTES));
      const path = join(temp(), `initrd.${compressor.split(' ')[0]}`);
      execFileSync('sh', ['-c', `find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | ${compressor} > ${path}`], {
        cwd: root,
      });
      return path;
    }

    for (const compressor of ['zstd -q -19 -c', 'bzip2 -9 -c', 'xz -c -T1', 'gzip -9 -c']) {
      it(`${compressor.split(' ')[0]}: listed with the default limits, as lsinitramfs lists it`, async () => {
        const path = initrdWithImage(compressor);
        const listed = execFileSync('lsinitramfs', [path], { encoding: 'utf8' }).split('\n');
        expect(listed).toContain('disk.img');
        const streamed = await openInitrdFile(path, { keepData: () => false });
        const image = streamed.members[0]!.entries.find((entry) => entry.path === 'disk.img');
        expect(image?.size).toBe(IMAGE_BYTES);
        const inMemory = parseInitrd(new Uint8Array(readFileSync(path)));
        expect(inMemory.members[0]!.entries.find((entry) => entry.path === 'disk.img')?.size).toBe(IMAGE_BYTES);
        expect(streamed.members[0]!.length).toBe(inMemory.members[0]!.length);
      });
    }

    it('the member size limit stops an xz or zstd member while it decodes', async () => {
      for (const compressor of ['xz -c -T1', 'zstd -q -19 -c']) {
        const path = initrdWithImage(compressor);
        let error: unknown;
        try {
          await openInitrdFile(path, { keepData: () => false, maxMemberBytes: 4 << 20 });
        } catch (caught) {
          error = caught;
        }
        expect(isInitkitError(error, 'COMPRESS_OUTPUT_TOO_LARGE'), String(error)).toBe(true);
        expect((error as Error).message).toMatch(
          /: member at 0 \((xz|zstd)\): decompressed output would exceed the limit of 4194304 bytes \(maxOutputBytes\) \(at offset \d+ \(0x[0-9a-f]+\)\)$/,
        );
      }
    });
  },
);
