import { encode } from '@initkit/compress';
import type { InitkitError } from '@initkit/core';
import { S_IFLNK, S_IFMT } from '@initkit/cpio';
import { ModuleDatabase } from '@initkit/kmod';
import { parseUImage } from '@initkit/uimage';
import { describe, expect, it } from 'vitest';
import { analyzeInitrd, formatAnalysis, moduleReleases } from '../src/analyze.js';
import { diffTrees } from '../src/diff.js';
import { dataNeededForEdit, type EditRequest, planEdit } from '../src/edit.js';
import { parseInitrd } from '../src/initrd.js';
import { concatParts, writeInitrd } from '../src/write.js';
import {
  archive,
  concat,
  directoryEntry,
  fileEntry,
  member,
  padTo,
  ramdisk,
  symlinkEntry,
  systemTree,
  text,
} from './build.js';

const RELEASE = '6.1.0-test';
const elf = (name: string) => concat(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]), new TextEncoder().encode(name));
const MODULE_FILES: Record<string, Uint8Array> = {
  'kernel/drivers/net/phy/libphy.ko': elf('libphy'),
  'kernel/drivers/net/phy/phylink.ko': elf('phylink'),
  'kernel/drivers/net/ethernet/marvell/mvneta.ko.gz': encode('gzip', elf('mvneta')),
  'kernel/drivers/block/nbd.ko': elf('nbd'),
};
const MODULES_DEP = [
  'kernel/drivers/net/phy/libphy.ko:',
  'kernel/drivers/net/phy/phylink.ko: kernel/drivers/net/phy/libphy.ko',
  'kernel/drivers/net/ethernet/marvell/mvneta.ko.gz: kernel/drivers/net/phy/phylink.ko kernel/drivers/net/phy/libphy.ko',
  'kernel/drivers/block/nbd.ko:',
  '',
].join('\n');

function modules(names: string[], decompress = false): NonNullable<EditRequest['modules']> {
  return {
    release: RELEASE,
    database: new ModuleDatabase(new Map([['modules.dep', MODULES_DEP]])),
    readModule: (path) => {
      const bytes = MODULE_FILES[path];
      if (!bytes) throw new Error(`no module ${path}`);
      return bytes;
    },
    names,
    decompress,
  };
}

const early = archive([directoryEntry('kernel'), fileEntry('kernel/ucode.bin', 'ucode')]);
const original = () => parseInitrd(concat(early, padTo(early.length, 4), member(systemTree())));

function roundTrip(request: EditRequest, mode: 'append' | 'full', wrap = false) {
  const source = parseInitrd(
    wrap ? ramdisk(member(systemTree())) : concat(early, padTo(early.length, 4), member(systemTree())),
  );
  const plan = planEdit(source.tree, { mtime: 1, ...request });
  const result = writeInitrd(source, plan, { mode });
  const bytes = concatParts(result.parts, source);
  const back = parseInitrd(bytes);
  return { source, plan, result, bytes, back };
}

describe('planEdit and writeInitrd', () => {
  it('adds files through the usr-merge symlinks, creating missing directories, in both modes', () => {
    for (const mode of ['append', 'full'] as const) {
      const { plan, back, bytes, source } = roundTrip(
        { add: [{ path: '/lib/firmware/x.bin', data: 'fw', mode: 0o600 }] },
        mode,
      );
      expect(plan.entries.map((e) => e.path)).toEqual(['usr/lib/firmware', 'usr/lib/firmware/x.bin']);
      expect(back.tree.node('lib')!.inode.mode & S_IFMT).toBe(S_IFLNK);
      expect(text(back.tree.lookup('lib/firmware/x.bin')?.inode.data)).toBe('fw');
      expect(diffTrees(plan.tree, back.tree)).toEqual({ added: [], removed: [], changed: [] });
      if (mode === 'append') expect(bytes.subarray(0, source.size)).toEqual(source.bytes);
      else expect(bytes.subarray(0, early.length)).toEqual(early);
    }
  });

  it('removes paths in full mode and refuses removal in append mode', () => {
    const { back, plan } = roundTrip({ remove: ['etc'] }, 'full');
    expect(plan.removed).toEqual(['etc/hostname', 'etc']);
    expect(back.tree.node('etc')).toBeUndefined();
    expect(() => roundTrip({ remove: ['etc/hostname'] }, 'append')).toThrow(
      expect.objectContaining({ code: 'INITRAMFS_APPEND_CANNOT_REMOVE' }),
    );
  });

  it('rebuilds an early member in full mode when a removal touches it', () => {
    const { back } = roundTrip({ remove: ['kernel/ucode.bin'] }, 'full');
    expect(back.members[0]!.compression).toBe('none');
    expect(back.tree.node('kernel/ucode.bin')).toBeUndefined();
    expect(back.tree.node('kernel')).toBeDefined();
  });

  it('adds modules with their dependencies in load order, a merged modules.dep and its index', () => {
    const { plan, back } = roundTrip({ modules: modules(['mvneta', 'nbd']), wrapInit: true }, 'append');
    expect(plan.modules!.modules.map((m) => m.name)).toEqual(['libphy', 'phylink', 'mvneta', 'nbd']);
    const base = `usr/lib/modules/${RELEASE}`;
    expect(back.tree.node(`${base}/kernel/drivers/net/ethernet/marvell/mvneta.ko.gz`)).toBeDefined();
    const lines = (t: string | undefined) => new Set(t?.split('\n').filter(Boolean));
    expect(lines(text(back.tree.node(`${base}/modules.dep`)!.inode.data))).toEqual(lines(MODULES_DEP));
    const [release] = moduleReleases(back.tree);
    expect(release).toMatchObject({
      release: RELEASE,
      complete: true,
      modules: ['libphy', 'mvneta', 'nbd', 'phylink'],
    });
    expect(back.tree.node(`${base}/modules.dep.bin`)!.inode.size).toBeGreaterThan(0);
    const script = text(back.tree.node('init')!.inode.data)!;
    const order = [...script.matchAll(/\/lib\/modules\/[^/\s]+\/(\S+\.ko(?:\.gz)?)/g)].map((m) => m[1]);
    expect(order).toEqual([
      'kernel/drivers/net/phy/libphy.ko',
      'kernel/drivers/net/phy/phylink.ko',
      'kernel/drivers/net/ethernet/marvell/mvneta.ko.gz',
      'kernel/drivers/block/nbd.ko',
    ]);
  });

  it('decompresses modules when asked and renames them in modules.dep', () => {
    const { back } = roundTrip({ modules: modules(['mvneta'], true) }, 'full');
    const base = `usr/lib/modules/${RELEASE}`;
    const module = back.tree.node(`${base}/kernel/drivers/net/ethernet/marvell/mvneta.ko`);
    expect(text(module?.inode.data)).toContain('mvneta');
    expect(text(back.tree.node(`${base}/modules.dep`)!.inode.data)).toContain(
      'kernel/drivers/net/ethernet/marvell/mvneta.ko: kernel/drivers/net/phy/phylink.ko kernel/drivers/net/phy/libphy.ko',
    );
  });

  it('wraps a shell /init by sourcing it, and a second wrap keeps the first original', () => {
    const first = roundTrip({ wrapInit: true }, 'append');
    expect(text(first.back.tree.node('init.orig')!.inode.data)).toBe('#!/bin/sh\necho vendor init\n');
    expect(text(first.back.tree.node('init')!.inode.data)).toMatch(/\n\. \/init\.orig\n$/);
    const again = planEdit(first.back.tree, { wrapInit: true, modules: modules(['nbd']) });
    expect(again.entries.map((e) => e.path)).not.toContain('init.orig');
    expect(text(again.tree.node('init.orig')!.inode.data)).toBe('#!/bin/sh\necho vendor init\n');
  });

  it('re-wrapping with another module keeps loading the earlier ones; re-adding present modules adds nothing', () => {
    const first = roundTrip({ modules: modules(['mvneta']), wrapInit: true }, 'append');
    const loaded = (tree: typeof first.back.tree) =>
      [...text(tree.node('init')!.inode.data)!.matchAll(/\/lib\/modules\/[^/\s]+\/(\S+\.ko(?:\.gz)?)/g)].map(
        (m) => m[1],
      );
    const again = planEdit(first.back.tree, { mtime: 1, wrapInit: true, modules: modules(['nbd']) });
    expect(loaded(again.tree)).toEqual([
      'kernel/drivers/net/phy/libphy.ko',
      'kernel/drivers/net/phy/phylink.ko',
      'kernel/drivers/net/ethernet/marvell/mvneta.ko.gz',
      'kernel/drivers/block/nbd.ko',
    ]);
    expect(again.entries.map((e) => e.path).filter((path) => path.endsWith('.ko') || path.endsWith('.ko.gz'))).toEqual([
      `usr/lib/modules/${RELEASE}/kernel/drivers/block/nbd.ko`,
    ]);
    // The same request once more: everything is there, nothing is written.
    const same = planEdit(first.back.tree, { mtime: 1, wrapInit: true, modules: modules(['mvneta']) });
    expect(same.entries).toEqual([]);
  });

  it('analyze flags modules an edit appended that the wrapper /init never loads', () => {
    const first = roundTrip({ modules: modules(['mvneta']), wrapInit: true }, 'append');
    expect(analyzeInitrd(first.back).init).toMatchObject({ initkitWrapper: true, loadedModules: 3, notLoaded: [] });
    // A second edit adds nbd but does not re-wrap: nothing loads it.
    const plan = planEdit(first.back.tree, { mtime: 1, modules: modules(['nbd']) });
    const second = parseInitrd(concatParts(writeInitrd(first.back, plan, { mode: 'append' }).parts, first.back));
    const analysis = analyzeInitrd(second);
    expect(analysis.init.notLoaded).toEqual([`usr/lib/modules/${RELEASE}/kernel/drivers/block/nbd.ko`]);
    expect(formatAnalysis(analysis)).toContain(`kernel/drivers/block/nbd.ko was added but /init never loads it`);
  });

  it('refuses modules built for another machine than the modules already in the initrd, unless forced', () => {
    /** The first bytes of a little-endian ELF file for `machine` (40 ARM, 62 x86-64). */
    const elfHeader = (machine: number) => {
      const bytes = new Uint8Array(64);
      bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
      bytes[18] = machine;
      return bytes;
    };
    const armTree = [
      ...systemTree(),
      directoryEntry('usr/lib/modules'),
      directoryEntry(`usr/lib/modules/${RELEASE}`),
      fileEntry(`usr/lib/modules/${RELEASE}/vendor.ko.gz`, ''),
    ].map((entry) => (entry.name.endsWith('vendor.ko.gz') ? { ...entry, data: encode('gzip', elfHeader(40)) } : entry));
    const tree = parseInitrd(member(armTree)).tree;
    const amd64 = (names: string[], force?: boolean) => ({
      ...modules(names),
      readModule: (path: string) => (path.endsWith('.gz') ? encode('gzip', elfHeader(62)) : elfHeader(62)),
      force,
    });
    let caught: InitkitError | undefined;
    try {
      planEdit(tree, { mtime: 1, modules: amd64(['nbd']) });
    } catch (error) {
      caught = error as InitkitError;
    }
    expect(caught?.code).toBe('INITRAMFS_WRONG_MACHINE');
    expect(caught?.message).toMatch(
      /module nbd is built for x86-64, but \/usr\/lib\/modules\/.*vendor\.ko\.gz.* is ARM/,
    );
    // Compressed modules to add are looked into too.
    expect(() => planEdit(tree, { mtime: 1, modules: amd64(['mvneta']) })).toThrow(/x86-64/);
    expect(planEdit(tree, { mtime: 1, modules: amd64(['nbd'], true) }).modules!.modules).toHaveLength(1);
    const arm = { ...modules(['nbd']), readModule: () => elfHeader(40) };
    expect(planEdit(tree, { mtime: 1, modules: arm }).modules!.modules).toHaveLength(1);
    // An initrd without modules (or whose modules were not kept) gives no reference: nothing is refused.
    expect(planEdit(original().tree, { mtime: 1, modules: amd64(['nbd']) }).modules!.modules).toHaveLength(1);
  });

  it('wraps a symlink /init by exec, keeping the link as the original', () => {
    const tree = parseInitrd(
      member([
        ...systemTree().filter((e) => e.name !== 'init'),
        fileEntry('usr/bin/systemd', 'ELF'),
        symlinkEntry('init', 'usr/bin/systemd'),
      ]),
    ).tree;
    const plan = planEdit(tree, { wrapInit: { originalName: 'init.vendor' } });
    expect(text(plan.tree.node('init.vendor')!.inode.data)).toBe('usr/bin/systemd');
    expect(text(plan.tree.node('init')!.inode.data)).toMatch(/exec \/init\.vendor "\$@"\n$/);
  });

  it('keeps the uImage header fields and fixes size and CRCs', () => {
    for (const mode of ['append', 'full'] as const) {
      const { bytes, source } = roundTrip({ add: [{ path: 'etc/motd', data: 'hi' }] }, mode, true);
      const image = parseUImage(bytes);
      const { headerCrc, dataCrc, size, ...fields } = image.header;
      const { headerCrc: h0, dataCrc: d0, size: s0, ...originalFields } = source.wrapper!;
      expect(fields).toEqual(originalFields);
      expect(size).toBe(bytes.length - 64);
    }
  });

  it('refuses edits that cannot be made, with typed errors', () => {
    const tree = original().tree;
    const code = (request: EditRequest) => {
      try {
        planEdit(tree, request);
      } catch (error) {
        return (error as InitkitError).code;
      }
      return 'none';
    };
    expect(code({ add: [{ path: 'etc/hostname/x', data: '' }] })).toBe('INITRAMFS_NOT_A_DIRECTORY');
    expect(code({ add: [{ path: 'etc', data: '' }] })).toBe('INITRAMFS_IS_A_DIRECTORY');
    expect(code({ remove: ['nope'] })).toBe('INITRAMFS_NOT_FOUND');
    expect(code({ modules: modules(['no_such_module']) })).toMatch(/^KMOD_/);
    const noInit = parseInitrd(member([directoryEntry('etc')])).tree;
    expect(() => planEdit(noInit, { wrapInit: true })).toThrow(expect.objectContaining({ code: 'INITRAMFS_NO_INIT' }));
  });

  it('says which files an edit needs the contents of', () => {
    const keep = dataNeededForEdit({ wrapInit: true, modules: modules(['nbd']) });
    expect(keep('init', 10, 0o100755)).toBe(true);
    expect(keep('init.orig', 10, 0o100755)).toBe(true);
    expect(keep('usr/lib/modules/6.1/modules.dep', 10, 0o100644)).toBe(true);
    expect(keep('usr/bin/busybox', 10, 0o100755)).toBe(false);
    // The first module's contents, and only the first: it tells the machine added modules must match.
    expect(keep('usr/lib/modules/6.1/kernel/a.ko.xz', 10, 0o100644)).toBe(true);
    expect(keep('usr/lib/modules/6.1/kernel/b.ko', 10, 0o100644)).toBe(false);
  });
});
