/**
 * Oracle: `modinfo` (kmod) against our .modinfo, signature and parameter reading for every module of
 * the Debian 12 amd64 and armhf kernel packages.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianArch, type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { runOk } from '../../../test/harness/run.js';
import { hasTools } from '../../../test/harness/tools.js';
import { moduleVermagic, readKernelModule } from '../src/kernel-module.js';
import { formatModinfo } from '../src/modinfo-format.js';
import { checkVermagic } from '../src/vermagic.js';
import { listModuleFiles } from './tree.js';

/** Runs modinfo over many files at once and splits its output at each `filename:` line. */
function nativeModinfo(files: string[]): Map<string, string> {
  const result = new Map<string, string>();
  for (let start = 0; start < files.length; start += 400) {
    const batch = files.slice(start, start + 400);
    const text = runOk('modinfo', batch).stdout;
    const blocks = text.split(/^(?=filename: )/m).filter((block) => block.length > 0);
    for (const block of blocks) result.set(/^filename:\s+(.*)$/m.exec(block)![1]!, block);
  }
  return result;
}

describe.runIf(hasTools('modinfo'))('modinfo oracle on Debian 12 kernels', () => {
  for (const arch of ['amd64', 'armhf'] as DebianArch[]) {
    describe(arch, () => {
      let kernel: DebianKernel;
      let files: string[];
      beforeAll(async () => {
        kernel = await debianKernel(arch);
        files = listModuleFiles(kernel.modulesDir).map((relative) => `${kernel.modulesDir}/${relative}`);
      });

      it('prints what modinfo prints for every module', () => {
        const expected = nativeModinfo(files);
        expect(expected.size).toBe(files.length);
        const mismatches: string[] = [];
        for (const file of files) {
          const module = readKernelModule(new Uint8Array(readFileSync(file)), { path: file });
          const ours = formatModinfo(module);
          if (ours !== expected.get(file))
            mismatches.push(`${file}\n--- ours\n${ours}--- modinfo\n${expected.get(file)}`);
        }
        expect(mismatches.slice(0, 2)).toEqual([]);
        expect(files.length).toBeGreaterThan(3000);
      });

      it('every module passes the vermagic check for its own release, and none for another', () => {
        const modules = files.map((file) => {
          const module = readKernelModule(new Uint8Array(readFileSync(file)), { path: file });
          return { name: module.name, vermagic: moduleVermagic(module) };
        });
        expect(checkVermagic(modules, kernel.release)).toEqual([]);
        expect(checkVermagic(modules, '6.1.0-0-other').length).toBe(modules.length);
      });

      it('matches modinfo -F for single fields', () => {
        const sample = files.filter((_, index) => index % 97 === 0);
        for (const field of ['vermagic', 'depends', 'alias', 'parm', 'signer', 'filename']) {
          for (const file of sample.slice(0, 8)) {
            const module = readKernelModule(new Uint8Array(readFileSync(file)), { path: file });
            expect(formatModinfo(module, { field }), `${field} of ${file}`).toBe(
              runOk('modinfo', ['-F', field, file]).stdout,
            );
          }
        }
      });
    });
  }
});
