/**
 * Compressed trees: the modules a few drivers need (from the Debian 12 amd64 tree) recompressed with
 * the native gzip, xz (CRC32 check, as the kernel requires) and zstd. Our depmod, modinfo and
 * resolution give the same answers as on the plain tree, and match kmod's own depmod, modinfo and
 * modprobe where kmod reads the format (this kmod build reads xz and zstd, not gzip).
 */
import { copyFileSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { decompressModule } from '../src/decompress.js';
import { readKernelModule } from '../src/kernel-module.js';
import { formatModinfo } from '../src/modinfo-format.js';
import { ModuleDatabase } from '../src/module-database.js';
import { uncompressedModulePath } from '../src/module-name.js';
import { depmodDirectory } from '../src/node/depmod-directory.js';
import { loadModuleDatabase } from '../src/node/load-database.js';
import { formatShowDepends, probeList } from '../src/resolve.js';

const QUERIES = [
  'nbd',
  'virtio_net',
  'virtio_blk',
  '9p',
  '9pnet_virtio',
  'xen-blkfront',
  'ena',
  'nvme',
  'ext4',
  'dm-crypt',
];
const VARIANTS = [
  { suffix: '.gz', format: 'gzip', tool: 'gzip', args: ['-9', '-n'], kmodReads: false },
  { suffix: '.xz', format: 'xz', tool: 'xz', args: ['--check=crc32', '-T1'], kmodReads: true },
  { suffix: '.zst', format: 'zstd', tool: 'zstd', args: ['-q', '--rm', '-19'], kmodReads: true },
] as const;

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
/** Turns every "x.ko.gz" in a text back into "x.ko", so compressed answers compare with plain ones. */
const plain = (value: string) => value.replace(/\.ko\.(gz|xz|zst)\b/g, '.ko');

describe.runIf(hasTools('gzip', 'xz', 'zstd', 'depmod', 'modinfo', 'modprobe'))('compressed module trees', () => {
  const temp = useTempDir('initkit-kmod-compressed-');
  let kernel: DebianKernel;
  let subset: string[];
  const trees: Record<string, { base: string; dir: string }> = {};

  beforeAll(async () => {
    kernel = await debianKernel('amd64');
    const full = await loadModuleDatabase(kernel.modulesDir, { depmodIfMissing: true });
    subset = [
      ...new Set(
        QUERIES.flatMap((query) => probeList(full, query)).flatMap((step) =>
          step.kind === 'insmod' ? [step.path] : [],
        ),
      ),
    ].sort();
    const order = readFileSync(join(kernel.modulesDir, 'modules.order'), 'utf8')
      .split('\n')
      .filter((line) => subset.includes(line));
    for (const variant of [{ suffix: '', format: 'plain', tool: '', args: [] as readonly string[] }, ...VARIANTS]) {
      const base = join(temp(), variant.format);
      const dir = join(base, 'lib', 'modules', kernel.release);
      for (const path of subset) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        // Copies, not links: the compressors refuse (or would replace) files with other links.
        if (variant.tool === '') linkSync(join(kernel.modulesDir, path), join(dir, path));
        else copyFileSync(join(kernel.modulesDir, path), join(dir, path));
      }
      if (variant.tool !== '') {
        // One process per format over every file; each replaces x.ko with x.ko<suffix>.
        runOk(variant.tool, [...variant.args, ...subset.map((path) => join(dir, path))]);
      }
      writeFileSync(join(dir, 'modules.order'), `${order.join('\n')}\n`);
      for (const name of ['modules.builtin', 'modules.builtin.modinfo'])
        copyFileSync(join(kernel.modulesDir, name), join(dir, name));
      trees[variant.format] = { base, dir };
    }
  });

  for (const variant of VARIANTS) {
    describe(variant.format, () => {
      it('decompresses every module to the original bytes', () => {
        const { dir } = trees[variant.format]!;
        for (const path of subset) {
          const compressed = new Uint8Array(readFileSync(join(dir, `${path}${variant.suffix}`)));
          const { compression, bytes } = decompressModule(compressed);
          expect(compression).toBe(variant.format);
          expect(Buffer.from(bytes).equals(readFileSync(join(kernel.modulesDir, path)))).toBe(true);
        }
      });

      it("depmod gives the plain tree's answers (and kmod's, where kmod reads the format)", async () => {
        const { base, dir } = trees[variant.format]!;
        const ours = await depmodDirectory(dir, { dryRun: true });
        const plainResult = await depmodDirectory(trees.plain!.dir, { dryRun: true });
        expect(text(ours.files.get('modules.dep'))).toContain(`${variant.suffix}:`);
        for (const name of ['modules.dep', 'modules.alias', 'modules.softdep', 'modules.symbols', 'modules.devname']) {
          expect(plain(text(ours.files.get(name))), name).toBe(text(plainResult.files.get(name)));
        }
        if (variant.kmodReads) {
          runOk('depmod', ['-b', base, kernel.release]);
          for (const name of ['modules.dep', 'modules.alias', 'modules.softdep']) {
            expect(text(ours.files.get(name)), name).toBe(readFileSync(join(dir, name), 'utf8'));
          }
          for (const name of ['modules.dep.bin', 'modules.alias.bin']) {
            expect(Buffer.from(ours.files.get(name)!).equals(readFileSync(join(dir, name))), name).toBe(true);
          }
        }
      });

      it("modinfo gives the same fields as on the plain module (and as kmod's modinfo)", () => {
        const { dir } = trees[variant.format]!;
        for (const path of subset) {
          const file = join(dir, `${path}${variant.suffix}`);
          const ours = formatModinfo(readKernelModule(new Uint8Array(readFileSync(file)), { path: file }));
          const plainText = formatModinfo(
            readKernelModule(new Uint8Array(readFileSync(join(kernel.modulesDir, path))), { path: file }),
          );
          expect(ours).toBe(plainText);
          if (variant.kmodReads) expect(ours).toBe(runOk('modinfo', [file]).stdout);
        }
      });

      it('resolves the same closures', async () => {
        const { dir, base } = trees[variant.format]!;
        const { files } = await depmodDirectory(dir, { dryRun: true });
        const database = new ModuleDatabase(
          new Map([...files, ['modules.builtin', readFileSync(join(dir, 'modules.builtin'))]]),
        );
        const plainDatabase = new ModuleDatabase((await depmodDirectory(trees.plain!.dir, { dryRun: true })).files);
        for (const query of QUERIES) {
          const ours = formatShowDepends(probeList(database, query), dir);
          expect(plain(ours).replaceAll(dir, trees.plain!.dir), query).toBe(
            formatShowDepends(probeList(plainDatabase, query), trees.plain!.dir),
          );
          if (variant.kmodReads) {
            expect(ours, query).toBe(
              runOk('modprobe', ['-C', join(base, 'none'), '--show-depends', '-d', base, '-S', kernel.release, query])
                .stdout,
            );
          }
        }
      });
    });
  }
  it('the subset is the modules the queries need', () => {
    expect(subset.length).toBeGreaterThan(20);
    expect(subset.map(uncompressedModulePath)).toContain('kernel/drivers/block/nbd.ko');
  });
});
