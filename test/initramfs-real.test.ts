/**
 * @initkit/initramfs and `initkit initramfs` against real initrds made by mkinitramfs, dracut and a
 * Scaleway-style uImage build (test/initramfs-images.ts). Oracles: lsinitramfs and lsinitrd (sets of
 * paths), unmkinitramfs (tree for tree), GNU cpio unpacking each member in order into one directory,
 * the real depmod (modules.dep of the edited tree) and modprobe --show-depends (load order).
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffTrees, type EditRequest, firstMainMember, type Initrd, planEdit } from '@initkit/initramfs';
import { moduleSourceFromDirectory, openInitrdFile } from '@initkit/initramfs/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { initkit, runOk } from './harness/run.js';
import { useTempDir } from './harness/temp.js';
import { hasTools } from './harness/tools.js';
import { dracutImage, mkinitramfsImage, type RealInitrd, scalewayImage } from './initramfs-images.js';

const TOOLS = [
  'lz4',
  'xz',
  'lsinitramfs',
  'unmkinitramfs',
  'lsinitrd',
  'mkinitramfs',
  'dracut',
  'cpio',
  'zstd',
  'gzip',
  'depmod',
  'modprobe',
  'mkimage',
  'unshare',
];

/** Modules each image gets (with their dependencies): some already there, some new with dependencies. */
const ADDED_MODULES: Record<string, string[]> = {
  mkinitramfs: ['vxlan', 'nbd'],
  dracut: ['vxlan', 'virtio_net'],
  scaleway: ['mvneta', 'nbd'],
};

function ok(result: { status: number; stderr: string; stdout: string }): string {
  if (result.status !== 0) throw new Error(`initkit exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** Path -> description of everything under `root` (type, permissions, owner, contents), for tree comparisons. */
function describeTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (relative: string): void => {
    const path = relative === '' ? root : join(root, relative);
    const info = lstatSync(path);
    const owner = `${info.uid}:${info.gid}`;
    const perms = (info.mode & 0o7777).toString(8);
    let what: string;
    if (info.isDirectory()) {
      what = `dir ${perms} ${owner}`;
      for (const name of readdirSync(path)) walk(relative === '' ? name : `${relative}/${name}`);
    } else if (info.isSymbolicLink()) what = `link -> ${readlinkSync(path)} ${owner}`;
    else if (info.isFile()) {
      what = `file ${perms} ${owner} ${info.size} ${createHash('sha1').update(readFileSync(path)).digest('hex')}`;
    } else what = `special ${info.mode.toString(8)} ${info.rdev} ${owner}`;
    out.set(relative === '' ? '.' : relative, what);
  };
  walk('');
  return out;
}

function expectSameTree(actual: string, expected: string): void {
  const a = describeTree(actual);
  const b = describeTree(expected);
  const differences: string[] = [];
  for (const [path, what] of b)
    if (a.get(path) !== what) differences.push(`${path}: expected ${what}, got ${a.get(path) ?? 'nothing'}`);
  for (const path of a.keys()) if (!b.has(path)) differences.push(`${path}: unexpected`);
  expect(differences).toEqual([]);
}

const DECOMPRESSORS: Record<string, string> = {
  none: 'cat',
  gzip: 'gzip -dc',
  zstd: 'zstd -dc',
  xz: 'xz -dc',
  lzma: 'xz --format=lzma -dc',
  lz4: 'lz4 -dc',
};

/**
 * The oracle: each member cut out by offset and decompressed by the native tool, then every archive in
 * it unpacked by GNU cpio, in order, into one directory.
 */
function unpackWithGnuCpio(initrd: Initrd, file: string, directory: string): void {
  mkdirSync(directory, { recursive: true });
  const stream = `${directory}.member`;
  initrd.members.forEach((member, index) => {
    const start = initrd.payloadOffset + member.offset;
    // GNU cpio reads whole 512-byte blocks: an uncompressed member keeps the padding that follows it.
    const next = initrd.members[index + 1];
    const length =
      member.compression === 'none' ? (next ? next.offset : initrd.payloadLength) - member.offset : member.length;
    runOk('sh', [
      '-c',
      `tail -c +${start + 1} "$0" | head -c ${length} | ${DECOMPRESSORS[member.compression]} > "$1"`,
      file,
      stream,
    ]);
    // GNU cpio stops at the first trailer: start it again at each archive's first entry.
    const archiveStarts = new Map<number, number>();
    for (const entry of member.entries)
      if (!archiveStarts.has(entry.archive)) archiveStarts.set(entry.archive, entry.offset);
    const base = member.compression === 'none' ? member.offset : 0;
    for (const offset of archiveStarts.values()) {
      runOk('sh', ['-c', `tail -c +${offset - base + 1} "$0" | cpio -idmu --quiet --no-absolute-filenames`, stream], {
        cwd: directory,
      });
    }
  });
}

/** lsinitrd's listing lines end with the path (after 8 fields), symlinks with " -> target". */
function lsinitrdPaths(text: string): Set<string> {
  const paths = new Set<string>();
  for (const line of lines(text)) {
    if (!/^[-dlcbps][rwxsStT-]{9}\s/.test(line)) continue;
    const fields = line.trim().split(/\s+/);
    paths.add(
      fields
        .slice(8)
        .join(' ')
        .replace(/ -> .*$/, ''),
    );
  }
  return paths;
}

async function moduleRequest(image: RealInitrd, names: string[]): Promise<NonNullable<EditRequest['modules']>> {
  const source = await moduleSourceFromDirectory(image.modules.directory, { depmodIfMissing: false });
  return { ...source, names };
}

describe.runIf(hasTools(...TOOLS))('initkit initramfs on real initrds', () => {
  const temp = useTempDir('initkit-initramfs-real-');
  let images: RealInitrd[] = [];

  beforeAll(async () => {
    images = [await mkinitramfsImage(), await dracutImage(), await scalewayImage()];
  }, 600_000);

  it('the images have the shape the tests rely on: early microcode, zstd, a ramdisk uImage', async () => {
    const [mk, dr, scw] = await Promise.all(
      images.map((image) => openInitrdFile(image.path, { keepData: () => false })),
    );
    expect(mk!.members.map((m) => m.compression)).toEqual(['none', 'zstd']);
    expect(dr!.members.map((m) => m.compression)).toEqual(['none', 'zstd']);
    expect(mk!.tree.node('kernel/x86/microcode/AuthenticAMD.bin')).toBeDefined();
    expect(dr!.tree.node('kernel/x86/microcode/AuthenticAMD.bin')).toBeDefined();
    expect(scw!.wrapper?.type).toBe(3);
    expect(scw!.members.map((m) => m.compression)).toEqual(['gzip']);
  });

  it('ls equals lsinitramfs (as sets), ls --members equals it line for line, and lsinitrd for dracut', () => {
    for (const image of images) {
      const native = lines(runOk('lsinitramfs', [nativeInput(image)]).stdout);
      expect(new Set(lines(ok(initkit(['initramfs', 'ls', image.path]))))).toEqual(new Set(native));
      expect(lines(ok(initkit(['initramfs', 'ls', '--members', image.path])))).toEqual(native);
      if (image.name === 'dracut') {
        const listed = lsinitrdPaths(runOk('lsinitrd', [image.path]).stdout);
        expect(new Set(lines(ok(initkit(['initramfs', 'ls', image.path]))))).toEqual(listed);
      }
    }
  });

  // 7 s alone, over 30 s on a loaded two-core machine: a generous timeout, no timing asserted.
  it('extract --split equals unmkinitramfs tree for tree', () => {
    for (const image of images) {
      const ours = join(temp(), `split-${image.name}`);
      const theirs = join(temp(), `unmk-${image.name}`);
      ok(initkit(['initramfs', 'extract', '--split', '--devices', '-C', ours, image.path]));
      runOk('unmkinitramfs', [nativeInput(image), theirs]);
      expectSameTree(ours, theirs);
    }
  }, 180_000);

  for (const mode of ['append', 'full'] as const) {
    it(`edit --mode ${mode} (a file, modules with dependencies, wrapped /init) round-trips through the kernel's rules and GNU cpio`, async () => {
      for (const image of images) {
        const names = ADDED_MODULES[image.name]!;
        const hostFile = join(temp(), 'motd');
        writeFileSync(hostFile, `edited by initkit (${mode})\n`);
        const output = join(temp(), `${image.name}-${mode}.img`);
        const args = ['initramfs', 'edit', image.path, '-o', output, '--mode', mode, '--add', `${hostFile}:/etc/motd`];
        args.push('--modules', image.modules.directory, '--wrap-init', '--json');
        for (const name of names) args.push('--add-module', name);
        const summary = JSON.parse(ok(initkit(args))) as { mode: string; modules: string[]; compression: string };
        expect(summary.mode).toBe(mode);

        const before = await openInitrdFile(image.path);
        const after = await openInitrdFile(output);
        const plan = planEdit(before.tree, {
          add: [{ path: '/etc/motd', data: readFileSync(hostFile), mode: 0o644 }],
          modules: await moduleRequest(image, names),
          wrapInit: true,
        });
        // Parsing the output back gives the tree the edit intended.
        expect(diffTrees(plan.tree, after.tree)).toEqual({ added: [], removed: [], changed: [] });

        const original = readFileSync(image.path);
        const written = readFileSync(output);
        if (mode === 'append') {
          const start = before.wrapper ? 64 : 0;
          expect(written.subarray(start, start + before.payloadLength).equals(original.subarray(start))).toBe(true);
          // A member in the last one's format follows it with no NUL between (gzip -t passes): read as one
          // member with one more archive. Another format is a member of its own.
          const last = before.members.at(-1)!;
          if (summary.compression === last.compression) {
            expect(after.members).toHaveLength(before.members.length);
            expect(after.members.at(-1)!.archives).toBe(last.archives + 1);
          } else {
            expect(after.members).toHaveLength(before.members.length + 1);
          }
        } else {
          const early = firstMainMember(before.members);
          expect(after.members.slice(0, early).map((m) => m.length)).toEqual(
            before.members.slice(0, early).map((m) => m.length),
          );
          expect(after.members).toHaveLength(early + 1);
        }
        if (before.wrapper) runOk('mkimage', ['-l', output]);

        // GNU cpio, member after member into one directory, gives what our extract gives.
        const gnu = join(temp(), `gnu-${image.name}-${mode}`);
        const ours = join(temp(), `ours-${image.name}-${mode}`);
        unpackWithGnuCpio(after, output, gnu);
        ok(initkit(['initramfs', 'extract', '--devices', '-C', ours, output]));
        expectSameTree(ours, gnu);

        // The real depmod over the unpacked tree writes the modules.dep we wrote.
        const release = image.release;
        const ourDep = readFileSync(join(ours, 'lib', 'modules', release, 'modules.dep'), 'utf8');
        runOk('depmod', ['-b', gnu, release]);
        const depmodDep = readFileSync(join(gnu, 'lib', 'modules', release, 'modules.dep'), 'utf8');
        expect(new Set(lines(ourDep))).toEqual(new Set(lines(depmodDep)));

        // The wrapper loads what modprobe would load, in modprobe's order, then hands over.
        // -C: the module tree's own modprobe.d, as initkit reads it, never the host's /etc/modprobe.d.
        const config = join(image.modules.root, 'etc', 'modprobe.d');
        mkdirSync(config, { recursive: true });
        const showDepends = names.flatMap((name) =>
          lines(
            runOk('modprobe', ['-d', image.modules.root, '-C', config, '-S', release, '--show-depends', name]).stdout,
          ),
        );
        const prefix = `insmod ${image.modules.root}/lib/modules/${release}/`;
        const expected = [
          ...new Set(
            showDepends.filter((line) => line.startsWith('insmod ')).map((line) => line.slice(prefix.length).trim()),
          ),
        ];
        const script = readFileSync(join(ours, 'init'), 'utf8');
        const loaded = [...script.matchAll(/^\t\/lib\/modules\/[^/]+\/(\S+) \\$/gm)].map((match) => match[1]);
        expect(loaded).toEqual(expected);
        expect(script).toMatch(/\n\. \/init\.orig\n$/);
        const originalInit = initkit(['initramfs', 'cat', image.path, '/init']).stdoutBytes;
        expect(readFileSync(join(ours, 'init.orig')).equals(originalInit)).toBe(true);
      }
    }, 300_000);
  }

  it('full rewrites and appends in every compression initkit writes decode with the native tools', async () => {
    const scw = images.find((image) => image.name === 'scaleway')!;
    for (const mode of ['full', 'append'] as const) {
      for (const format of ['lzma', 'lz4', 'none', 'gzip']) {
        const output = join(temp(), `scaleway-${mode}-${format}.img`);
        ok(
          initkit([
            'initramfs',
            'edit',
            scw.path,
            '-o',
            output,
            '-q',
            '--mode',
            mode,
            '--compress',
            format,
            '--wrap-init',
          ]),
        );
        const edited = await openInitrdFile(output);
        expect(edited.members.at(-1)!.compression).toBe(format);
        const gnu = join(temp(), `gnu-scaleway-${mode}-${format}`);
        const ours = join(temp(), `ours-scaleway-${mode}-${format}`);
        unpackWithGnuCpio(edited, output, gnu);
        ok(initkit(['initramfs', 'extract', '-C', ours, output]));
        expectSameTree(ours, gnu);
      }
    }
  }, 180_000);

  it('ls -v --members reads like lsinitramfs -l (cpio -tv), and --json lists every path', () => {
    for (const image of images) {
      const native = lines(runOk('lsinitramfs', ['-l', nativeInput(image)]).stdout);
      expect(lines(ok(initkit(['initramfs', 'ls', '--members', '-v', image.path])))).toEqual(native);
      const json = JSON.parse(ok(initkit(['initramfs', 'ls', '--json', image.path]))) as {
        name: string;
        type: string;
      }[];
      expect(new Set(json.map((entry) => entry.name))).toEqual(
        new Set(lines(ok(initkit(['initramfs', 'ls', image.path])))),
      );
      expect(json.find((entry) => entry.name === 'init')?.type).toBe('file');
    }
  });

  it('cat, analyze, diff and usage errors', () => {
    const scw = images.find((image) => image.name === 'scaleway')!;
    expect(ok(initkit(['initramfs', 'cat', scw.path, '/etc/hostname']))).toBe('scw-c1\n');
    const analysis = JSON.parse(ok(initkit(['initramfs', 'analyze', '--json', images[0]!.path])));
    expect(analysis.microcode).toEqual([{ path: 'kernel/x86/microcode/AuthenticAMD.bin', size: 23, member: 0 }]);
    expect(analysis.init).toMatchObject({ type: 'file', kind: 'script', interpreter: '/bin/sh' });
    expect(analysis.releases[0]).toMatchObject({ release: images[0]!.release, complete: true });
    const edited = join(temp(), 'scaleway-append.img');
    // diff exits 1 when the trees differ, as diff(1) does.
    const differ = initkit(['initramfs', 'diff', scw.path, edited]);
    expect(differ.status).toBe(1);
    const diff = lines(differ.stdout);
    expect(diff).toContain('+ etc/motd');
    expect(diff).toContain('~ init (content)');
    const refused = initkit(['initramfs', 'edit', scw.path, '-o', join(temp(), 'x'), '--remove', '/etc/hostname']);
    expect(refused.status).toBe(2);
    const missing = initkit(['initramfs', 'cat', scw.path, '/no/such']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/INITRAMFS_NOT_FOUND/);
  });
});

/** initramfs-tools reads bare initrds: a uImage's payload is cut out for it (as U-Boot hands it over). */
function nativeInput(image: RealInitrd): string {
  const bytes = readFileSync(image.path);
  if (bytes.readUInt32BE(0) !== 0x27051956) return image.path;
  const payload = `${image.path}.payload`;
  writeFileSync(payload, bytes.subarray(64));
  return payload;
}
