import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeInitrd } from '../src/analyze.js';
import { planEdit } from '../src/edit.js';
import { parseInitrd } from '../src/initrd.js';
import { listMember, listTree } from '../src/listing.js';
import { concatParts, writeInitrd } from '../src/write.js';
import { text } from './build.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/initramfs/', import.meta.url));
const read = (name: string) => new Uint8Array(readFileSync(`${fixtures}${name}`));
const FORMATS = { gzip: 'gzip', xz: 'xz', lzma: 'lzma', bzip2: 'bzip2', lzo: 'lzo', lz4: 'lz4', zstd: 'zstd' } as const;

describe('initrds made by the real tools (fixtures/initramfs)', () => {
  for (const [suffix, format] of Object.entries(FORMATS)) {
    it(`early cpio + ${format}: members, listing as lsinitramfs prints it, hard links, modules`, () => {
      const initrd = parseInitrd(read(`early-${suffix}.img`));
      expect(initrd.members.map((member) => member.compression)).toEqual(['none', format]);
      const lsinitramfs = readFileSync(`${fixtures}early-${suffix}.list`, 'utf8').split('\n').filter(Boolean);
      expect(initrd.members.flatMap((member) => listMember(member.entries))).toEqual(lsinitramfs);
      expect(new Set(listTree(initrd.tree))).toEqual(new Set(lsinitramfs));
      expect(initrd.tree.node('etc/hostname')!.inode).toBe(initrd.tree.node('etc/hostname.link')!.inode);
      expect(text(initrd.tree.node('etc/hostname.link')!.inode.data)).toBe('fixture\n');
      const analysis = analyzeInitrd(initrd);
      expect(analysis.microcode.map((m) => m.path)).toEqual(['kernel/x86/microcode/AuthenticAMD.bin']);
      expect(analysis.releases).toMatchObject([{ release: '6.1.0-test', modules: ['nbd'], complete: true }]);
      expect(analysis.init).toMatchObject({ type: 'file', kind: 'script', interpreter: '/bin/sh' });
    });
  }

  it('a Scaleway-style uInitrd: edited in append mode, the original bytes stay and the header keeps its fields', () => {
    const bytes = read('scaleway.uimg');
    const initrd = parseInitrd(bytes);
    expect(initrd.wrapper).toMatchObject({ name: 'initramfs', type: 3, arch: 2, os: 5, time: 1_700_000_000 });
    const plan = planEdit(initrd.tree, { wrapInit: true, add: [{ path: 'etc/motd', data: 'hello\n' }] });
    const out = concatParts(writeInitrd(initrd, plan).parts, initrd);
    expect(out.subarray(64, bytes.length)).toEqual(bytes.subarray(64));
    const back = parseInitrd(out);
    expect(back.wrapper).toMatchObject({ name: 'initramfs', type: 3, arch: 2, os: 5, time: 1_700_000_000 });
    expect(text(back.tree.node('init.orig')!.inode.data)).toContain('fixture init');
    // Hard links survive a full rewrite.
    const full = parseInitrd(concatParts(writeInitrd(initrd, plan, { mode: 'full' }).parts, initrd));
    expect(full.tree.node('etc/hostname')!.inode).toBe(full.tree.node('etc/hostname.link')!.inode);
  });
});
