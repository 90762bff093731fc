/**
 * Oracle: `modprobe --show-depends` (kmod, no modprobe.d configuration) against our resolution over
 * the same depmod'ed Debian 12 trees: the same lines in the same order, for the issue's modules and a
 * few that exercise aliases, soft dependencies, symbols and built-ins.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianArch, type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { run, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { ModuleDatabase } from '../src/module-database.js';
import { depmodDirectory } from '../src/node/depmod-directory.js';
import { formatShowDepends, probeList, resolveModules } from '../src/resolve.js';

const ISSUE_MODULES = ['nbd', 'virtio_net', 'virtio_blk', '9p', '9pnet_virtio', 'xen-blkfront', 'ena', 'nvme'];
const MORE_QUERIES = [
  'virtio-net',
  'ext4',
  'fs-ext4',
  'crc32c',
  'unix',
  'symbol:nvme_init_ctrl',
  'pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00',
  'mvneta',
  'phylink',
  'dm-crypt',
  'no-such-module',
];

const BIN_FILES = [
  'modules.dep.bin',
  'modules.alias.bin',
  'modules.symbols.bin',
  'modules.builtin.bin',
  'modules.builtin.alias.bin',
];
const TEXT_FILES = [
  'modules.dep',
  'modules.alias',
  'modules.softdep',
  'modules.symbols',
  'modules.builtin',
  'modules.builtin.modinfo',
];

function readFiles(directory: string, names: string[]): Map<string, Uint8Array> {
  return new Map(names.map((name) => [name, new Uint8Array(readFileSync(join(directory, name)))]));
}

describe.runIf(hasTools('depmod', 'modprobe', 'cp'))('modprobe --show-depends oracle on Debian 12 kernels', () => {
  const temp = useTempDir('initkit-kmod-resolve-');
  for (const arch of ['amd64', 'armhf'] as DebianArch[]) {
    describe(arch, () => {
      let kernel: DebianKernel;
      let base: string;
      let directory: string;
      let emptyConfig: string;
      const databases: Record<string, ModuleDatabase> = {};
      beforeAll(async () => {
        kernel = await debianKernel(arch);
        base = join(temp(), arch);
        mkdirSync(join(base, 'lib', 'modules'), { recursive: true });
        emptyConfig = join(base, 'modprobe.d');
        mkdirSync(emptyConfig);
        directory = join(base, 'lib', 'modules', kernel.release);
        runOk('cp', ['-al', kernel.modulesDir, directory]);
        runOk('depmod', ['-b', base, kernel.release]);
        databases['depmod text files'] = new ModuleDatabase(readFiles(directory, TEXT_FILES));
        databases['depmod binary indexes'] = new ModuleDatabase(
          readFiles(directory, [...BIN_FILES, 'modules.softdep']),
        );
        const ours = await depmodDirectory(kernel.modulesDir, { dryRun: true });
        databases['our depmod'] = new ModuleDatabase(
          new Map([
            ...ours.files,
            ['modules.builtin', new Uint8Array(readFileSync(join(directory, 'modules.builtin')))],
          ]),
        );
      });

      for (const query of [...ISSUE_MODULES, ...MORE_QUERIES]) {
        it(`resolves ${query} as modprobe does`, () => {
          const native = run('modprobe', [
            '-C',
            emptyConfig,
            '--show-depends',
            '-d',
            base,
            '-S',
            kernel.release,
            query,
          ]);
          for (const [source, database] of Object.entries(databases)) {
            if (native.status !== 0) {
              expect(native.stderr, source).toContain('not found');
              expect(() => probeList(database, query), source).toThrow(
                expect.objectContaining({ code: 'KMOD_MODULE_NOT_FOUND' }),
              );
              continue;
            }
            expect(formatShowDepends(probeList(database, query), directory), `${query} from ${source}`).toBe(
              native.stdout,
            );
          }
        });
      }

      it('resolveModules lists each module once, in the order modprobe first lists it', () => {
        const database = databases['depmod text files']!;
        const native = run('modprobe', ['-C', emptyConfig, '--show-depends', '-d', base, '-S', kernel.release, 'nvme']);
        if (native.status !== 0) return expect(() => resolveModules(database, ['nvme'])).toThrow();
        const firstSeen = [...new Set(native.stdout.trim().split('\n'))].map((line) =>
          line.replace(/^insmod /, '').trim(),
        );
        const ours = resolveModules(database, ['nvme']).map((step) =>
          step.kind === 'insmod' ? `${directory}/${step.path}` : step.name,
        );
        expect(ours).toEqual(firstSeen);
      });
    });
  }
});
