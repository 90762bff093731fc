/**
 * Oracle: kmod's `depmod -b` on a hard-linked copy of each Debian 12 module tree (amd64, armhf) against
 * our depmod on the same modules: the text files equal line for line (as sets, since depmod writes
 * modules.symbols in hash order), the binary indexes byte for byte.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianArch, type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import type { DepmodResult } from '../src/depmod.js';
import { KmodIndex } from '../src/index-file.js';
import { depmodDirectory } from '../src/node/depmod-directory.js';

const TEXT_FILES = ['modules.dep', 'modules.alias', 'modules.softdep', 'modules.symbols', 'modules.devname'];
const INDEX_FILES = [
  'modules.dep.bin',
  'modules.alias.bin',
  'modules.symbols.bin',
  'modules.builtin.bin',
  'modules.builtin.alias.bin',
];

function lineSet(bytes: Uint8Array | Buffer): string[] {
  return new TextDecoder().decode(bytes).split('\n').sort();
}

describe.runIf(hasTools('depmod', 'cp'))('depmod oracle on Debian 12 kernels', () => {
  const temp = useTempDir('initkit-kmod-depmod-');
  for (const arch of ['amd64', 'armhf'] as DebianArch[]) {
    describe(arch, () => {
      let kernel: DebianKernel;
      let nativeDir: string;
      let ours: DepmodResult;
      beforeAll(async () => {
        kernel = await debianKernel(arch);
        const base = join(temp(), arch);
        mkdirSync(join(base, 'lib', 'modules'), { recursive: true });
        // Hard links: depmod replaces its output files by rename, never writes into the modules.
        runOk('cp', ['-al', kernel.modulesDir, join(base, 'lib', 'modules', kernel.release)]);
        runOk('depmod', ['-b', base, kernel.release]);
        nativeDir = join(base, 'lib', 'modules', kernel.release);
        ours = await depmodDirectory(kernel.modulesDir, { dryRun: true });
      });

      for (const name of TEXT_FILES) {
        it(`${name} has the same lines as depmod's`, () => {
          const expected = lineSet(readFileSync(join(nativeDir, name)));
          const actual = lineSet(ours.files.get(name)!);
          expect(actual.length).toBe(expected.length);
          expect(actual).toEqual(expected);
        });
      }

      it("linking by .modinfo depends= gives every module the same dependency set as depmod's", async () => {
        const byDepends = await depmodDirectory(kernel.modulesDir, { dryRun: true, linkBy: 'depends' });
        const asSets = (bytes: Uint8Array | Buffer) =>
          new TextDecoder()
            .decode(bytes)
            .split('\n')
            .map((line) => line.split(' ').sort().join(' '))
            .sort();
        expect(asSets(byDepends.files.get('modules.dep')!)).toEqual(
          asSets(readFileSync(join(nativeDir, 'modules.dep'))),
        );
      });

      it('modules.dep is in the same order as depmod writes it', () => {
        expect(new TextDecoder().decode(ours.files.get('modules.dep'))).toBe(
          readFileSync(join(nativeDir, 'modules.dep'), 'utf8'),
        );
      });

      for (const name of INDEX_FILES) {
        it(`${name} is byte-identical to depmod's`, () => {
          const expected = new Uint8Array(readFileSync(join(nativeDir, name)));
          const actual = ours.files.get(name)!;
          if (Buffer.compare(Buffer.from(actual), Buffer.from(expected)) !== 0) {
            // Show what differs before failing on the bytes.
            expect([...new KmodIndex(actual).entries()]).toEqual([...new KmodIndex(expected).entries()]);
          }
          expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
        });
      }
    });
  }
});
