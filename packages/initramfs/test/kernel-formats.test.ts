/**
 * One rule on every path: odc and old-binary cpio (made by GNU cpio -H odc / -H bin) are refused as the
 * kernel refuses them ("incorrect cpio method used", "no cpio magic"), uncompressed or in any
 * compression, whether read in memory, from bytes by the streaming reader, or from a file; newc passes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InitkitError } from '@initkit/core';
import { parseInitrd } from '@initkit/initramfs';
import { openInitrd, openInitrdFile } from '@initkit/initramfs/node';
import { describe, expect, it } from 'vitest';
import { runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

/** The native compressors, as mkinitramfs and dracut call them. */
const COMPRESSORS: Record<string, string[]> = {
  gzip: ['gzip', '-9c'],
  xz: ['xz', '-c', '--check=crc32'],
  zstd: ['zstd', '-qc'],
  bzip2: ['bzip2', '-c'],
  lz4: ['lz4', '-lc'],
  lzop: ['lzop', '-c'],
};
const COMPRESSIONS = Object.keys(COMPRESSORS);

function compress(compression: string, bytes: Uint8Array): Uint8Array {
  const [tool, ...args] = COMPRESSORS[compression]!;
  return new Uint8Array(runOk(tool!, args, { input: bytes }).stdoutBytes);
}

async function outcomes(bytes: Uint8Array, file: string): Promise<string[]> {
  writeFileSync(file, bytes);
  const results: string[] = [];
  const attempt = async (read: () => unknown) => {
    try {
      await read();
      results.push('accepted');
    } catch (error) {
      if (!(error instanceof InitkitError)) throw error;
      results.push(error.code);
    }
  };
  await attempt(() => parseInitrd(bytes));
  await attempt(() => openInitrd(bytes));
  await attempt(() => openInitrdFile(file));
  return results;
}

describe.runIf(hasTools('cpio', 'gzip', 'xz', 'zstd', 'bzip2', 'lz4', 'lzop'))(
  'odc and old binary cpio in an initrd, on every path',
  () => {
    const temp = useTempDir();

    function gnuArchive(format: 'newc' | 'odc' | 'bin'): Uint8Array {
      const tree = join(temp(), `tree-${format}`);
      mkdirSync(join(tree, 'bin'), { recursive: true });
      writeFileSync(join(tree, 'bin', 'sh'), 'shell\n');
      return new Uint8Array(runOk('sh', ['-c', `cd "$0" && find . | cpio -o -H ${format} --quiet`, tree]).stdoutBytes);
    }

    it('refuses odc and binary uncompressed and in every compression; accepts newc the same ways', async () => {
      const file = join(temp(), 'initrd');
      for (const format of ['odc', 'bin'] as const) {
        const cpio = gnuArchive(format);
        expect(await outcomes(cpio, file)).toEqual(Array(3).fill('INITRAMFS_BAD_MEMBER'));
        for (const compression of COMPRESSIONS) {
          const codes = await outcomes(compress(compression, cpio), file);
          expect({ format, compression, codes }).toEqual({
            format,
            compression,
            codes: Array(3).fill('CPIO_NOT_KERNEL_FORMAT'),
          });
        }
      }
      const newc = gnuArchive('newc');
      for (const compression of COMPRESSIONS) {
        expect(await outcomes(compress(compression, newc), file)).toEqual(Array(3).fill('accepted'));
      }
    });

    it('refuses an odc archive after a newc one inside a gzip member', async () => {
      const mixed = new Uint8Array([...gnuArchive('newc'), ...gnuArchive('odc')]);
      const codes = await outcomes(compress('gzip', mixed), join(temp(), 'mixed'));
      expect(codes).toEqual(Array(3).fill('CPIO_NOT_KERNEL_FORMAT'));
    });
  },
);
