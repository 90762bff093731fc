/**
 * An edit refuses modules and ELF files built for another machine than the initrd's (#20): the
 * initrd's modules say which, else its uImage header's architecture; force adds them anyway. (Modules
 * against modules: edit.test.ts.)
 */
import { ModuleDatabase } from '@initkit/kmod';
import { describe, expect, it } from 'vitest';
import { type EditRequest, planEdit } from '../src/edit.js';
import { parseInitrd } from '../src/initrd.js';
import { initrdMachine } from '../src/machine.js';
import { directoryEntry, fileEntry, member, symlinkEntry } from './build.js';

const EM_ARM = 40;
const EM_X86_64 = 62;
const UIMAGE_ARM = 2;
const RELEASE = '6.1.0-test';

function elf(machine: number): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  bytes[18] = machine;
  return bytes;
}

function tree(busybox: Uint8Array | string, withModule?: number) {
  return parseInitrd(
    member([
      directoryEntry('.'),
      directoryEntry('bin'),
      fileEntry('bin/busybox', busybox, 0o755),
      symlinkEntry('bin/sh', 'busybox'),
      fileEntry('init', '#!/bin/sh\n', 0o755),
      ...(withModule === undefined
        ? []
        : [
            directoryEntry('lib'),
            directoryEntry('lib/modules'),
            directoryEntry(`lib/modules/${RELEASE}`),
            fileEntry(`lib/modules/${RELEASE}/vendor.ko`, elf(withModule)),
          ]),
    ]),
  ).tree;
}

function nbd(machine: number): NonNullable<EditRequest['modules']> {
  return {
    release: RELEASE,
    database: new ModuleDatabase(new Map([['modules.dep', 'kernel/drivers/block/nbd.ko:\n']])),
    readModule: () => elf(machine),
    names: ['nbd'],
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
  return 'accepted';
}

describe('the machine an edit adds for', () => {
  it("the uImage header's architecture, when the initrd holds no module", () => {
    const armImage = tree('not an ELF busybox');
    expect(initrdMachine(armImage, UIMAGE_ARM)?.machines).toEqual([EM_ARM]);
    expect(refusal(() => planEdit(armImage, { modules: nbd(EM_X86_64), uImageArch: UIMAGE_ARM }))).toBe(
      "INITRAMFS_WRONG_MACHINE: module nbd is built for x86-64, but the initrd's uImage header says arm (force: true, or --force, to add it anyway)",
    );
    expect(planEdit(armImage, { modules: nbd(EM_ARM), uImageArch: UIMAGE_ARM }).modules?.modules).toHaveLength(1);
    expect(planEdit(armImage, { modules: nbd(EM_X86_64), uImageArch: UIMAGE_ARM, force: true }).entries).not.toEqual(
      [],
    );
    // Without the header, nothing tells: nothing is refused.
    expect(planEdit(armImage, { modules: nbd(EM_X86_64) }).modules?.modules).toHaveLength(1);
  });

  it('an added ELF file is checked too; the busybox is not asked (test initrds carry the host one)', () => {
    const armImage = tree(elf(EM_X86_64));
    expect(initrdMachine(armImage)).toBeUndefined();
    const tool = (machine: number) => ({ add: [{ path: '/bin/tool', data: elf(machine), mode: 0o755 }] });
    expect(refusal(() => planEdit(armImage, { ...tool(EM_X86_64), uImageArch: UIMAGE_ARM }))).toMatch(
      /^INITRAMFS_WRONG_MACHINE: \/bin\/tool is built for x86-64, but the initrd's uImage header says arm/,
    );
    // Not ELF, or the same machine: added as asked.
    const data = { add: [{ path: '/bin/x', data: new Uint8Array([1, 2]) }], uImageArch: UIMAGE_ARM };
    expect(planEdit(armImage, data).entries).toHaveLength(1);
    expect(planEdit(armImage, { ...tool(EM_ARM), uImageArch: UIMAGE_ARM }).entries).toHaveLength(1);
    // With no module and no header, the host's busybox beside ARM modules to add refuses nothing.
    expect(planEdit(armImage, { modules: nbd(EM_ARM) }).modules?.modules).toHaveLength(1);
  });

  it("the initrd's modules come first: the host's busybox beside ARM modules does not refuse ARM modules", () => {
    const mixed = tree(elf(EM_X86_64), EM_ARM);
    expect(planEdit(mixed, { modules: nbd(EM_ARM) }).modules?.modules).toHaveLength(1);
    expect(refusal(() => planEdit(mixed, { modules: nbd(EM_X86_64) }))).toMatch(/is ARM/);
  });
});
