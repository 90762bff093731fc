/**
 * The ARM planner against kexec-tools 2.0.25's arithmetic. Each expected figure is worked out from
 * kexec/arch/arm/kexec-zImage-arm.c (zImage_arm_load: len = L + 0x11000; KLSZ: max(edata + bss,
 * edata + len), else len * 5; base = locate_hole(len + 0x8000); initrd at or above kernel +
 * _ALIGN(image size); DTB at or above _ALIGN_DOWN(initrd end + page)) and kexec/kexec.c (locate_hole,
 * add_segment rounding memsz up to pages), and the same arithmetic is checked against the real
 * `kexec -l --debug` in an armhf guest by test/kexec/armhf.test.ts.
 */
import { createFdt, findNode, getChosen, parseFdt, serializeFdt, setChosen } from '@initkit/fdt';
import { describe, expect, it } from 'vitest';
import { editDtbForKexec, KexecError, parseIomem, planArmZImage, planKexec } from '../src/index.js';
import { syntheticZImage } from './zimage.js';

const RAM_1G = parseIomem('40000000-7fffffff : System RAM\n  40008000-40ffffff : Kernel code\n');
const emptyDtb = () => serializeFdt(createFdt());

function dtbWithChosen(bootargs: string, initrdCellBytes?: 4 | 8): Uint8Array {
  const tree = createFdt();
  setChosen(
    tree,
    { bootargs, ...(initrdCellBytes ? { initrdStart: 0x48000000, initrdEnd: 0x48100000 } : {}) },
    initrdCellBytes ? { cellBytes: initrdCellBytes } : {},
  );
  return serializeFdt(tree);
}

/**
 * QEMU -M virt's /sys/firmware/fdt in the guest of test/kexec: a 1 MiB blob whose /chosen already has
 * bootargs "console=ttyAMA0 panic=-1" and 8-byte linux,initrd-start/-end.
 */
const qemuDtb = () => {
  const tree = createFdt();
  setChosen(
    tree,
    { bootargs: 'console=ttyAMA0 panic=-1', initrdStart: 0x48000000, initrdEnd: 0x4a000000 },
    { cellBytes: 8 },
  );
  return serializeFdt(tree, { minSize: 0x100000 });
};

describe('planArmZImage (kexec-tools 2.0.25 zImage_arm_load)', () => {
  it('KLSZ zImage with an initrd: the Debian 6.1 armmp figures', () => {
    // L = 0x537200 and KLSZ text+data 20583080, bss 385888: the Debian 12 armmp 6.1.0 zImage.
    const kernel = syntheticZImage({ length: 0x537200, klsz: { dataSize: 20583080, bssSize: 385888 } });
    const initrd = new Uint8Array(0x12d687);
    const dtb = emptyDtb();
    const plan = planArmZImage({
      kernel,
      initrd,
      dtb,
      cmdline: 'console=ttyAMA0',
      ranges: RAM_1G,
      initrdPlacement: 'kexec-tools',
    });
    // len = 0x537200 + 0x11000 = 0x548200; image size = max(20583080 + 385888, 20583080 + 0x548200) = 0x18e94a8.
    expect(plan.details.imageSize).toBe(0x18e94a8);
    expect(plan.entry).toBe(0x40008000);
    expect(plan.flags).toBe(0x280000);
    // Initrd at kernel + ALIGN(0x18e94a8, 4096) = 0x40008000 + 0x18ea000; DTB at ALIGN_DOWN(end + 4096).
    const dtbLength = dtb.length + 20 + (9 + 12 + 16) + (19 + 12 + 4) + (17 + 12 + 4);
    expect(plan.segments).toEqual([
      { source: 'kernel', offset: 0, bufsz: 0x537200, mem: 0x40008000, memsz: 0x538000 },
      { source: 'initrd', offset: 0, bufsz: 0x12d687, mem: 0x418f2000, memsz: 0x12e000 },
      { source: 'dtb', offset: 0, bufsz: dtbLength, mem: 0x41a20000, memsz: 0x1000 },
    ]);
    expect(plan.chosen).toEqual({
      bootargs: 'console=ttyAMA0',
      initrdStart: 0x418f2000,
      initrdEnd: 0x418f2000 + 0x12d687,
    });
    expect(plan.buffers.dtb).toHaveLength(dtbLength);
  });

  it('by default the initrd goes at RAM bank + 128 MiB (booting.rst), else kexec-tools + 8 MiB', () => {
    // The Debian zImage: an initrd at kexec-tools' kernel + 0x18ea000, and at kernel + 0x1a00000, was
    // unpacked as "invalid magic" by the second kernel in QEMU; booting.rst's safe location is bank + 128 MiB.
    const kernel = syntheticZImage({ length: 0x537200, klsz: { dataSize: 20583080, bssSize: 385888 } });
    const plan = planArmZImage({ kernel, initrd: new Uint8Array(0x1000), dtb: emptyDtb(), ranges: RAM_1G });
    expect(plan.details.imageSize).toBe(0x48000000 - 0x40008000);
    expect(plan.chosen?.initrdStart).toBe(0x48000000);
    expect(plan.segments.find((segment) => segment.source === 'dtb')!.mem).toBe(0x48002000);
    // 160 MiB of RAM: no room for the initrd at bank + 128 MiB, so kexec-tools' room + 8 MiB, in MiB.
    const small = parseIomem('40000000-49ffffff : System RAM\n');
    const tight = planArmZImage({ kernel, initrd: new Uint8Array(0x3000000), dtb: emptyDtb(), ranges: small });
    expect(tight.chosen?.initrdStart).toBe(0x40008000 + 0x2100000);
    // An explicit imageSize is kexec-tools' --image-size, applied exactly as kexec-tools applies it.
    const given = planArmZImage({ kernel, dtb: emptyDtb(), ranges: RAM_1G, imageSize: 0x1000 });
    expect(given.details.imageSize).toBe(0x18e94a8);
    expect(planKexec({ arch: 'arm', kernel, dtb: emptyDtb(), ranges: RAM_1G }).details.imageSize).toBe(0x7ff8000);
  });

  it('without a KLSZ tag the image size is (L + 0x11000) * 5', () => {
    const kernel = syntheticZImage({ length: 0x400000 });
    const plan = planArmZImage({
      kernel,
      initrd: new Uint8Array(4096),
      dtb: emptyDtb(),
      ranges: RAM_1G,
      initrdPlacement: 'kexec-tools',
    });
    expect(plan.details.imageSize).toBe((0x400000 + 0x11000) * 5);
    const initrd = plan.segments.find((segment) => segment.source === 'initrd')!;
    expect(initrd.mem).toBe(0x40008000 + (0x400000 + 0x11000) * 5);
  });

  it('a KLSZ tag whose text+data+bss exceeds text+data+len wins', () => {
    const kernel = syntheticZImage({ length: 0x10000, klsz: { dataSize: 0x100000, bssSize: 0x200000 } });
    const plan = planArmZImage({ kernel, dtb: emptyDtb(), ranges: RAM_1G, initrdPlacement: 'kexec-tools' });
    expect(plan.details.imageSize).toBe(0x300000);
    // No initrd: the DTB goes at ALIGN_DOWN(kernel + ALIGN(0x300000) + 4096, 4096).
    expect(plan.segments.find((segment) => segment.source === 'dtb')!.mem).toBe(0x40008000 + 0x300000 + 0x1000);
  });

  it('drops an appended DTB from the kernel segment and loads the kernel after a uImage header', () => {
    const plan = planArmZImage({
      kernel: syntheticZImage({ length: 0x8000, appended: 0x777 }),
      dtb: emptyDtb(),
      ranges: RAM_1G,
    });
    expect(plan.segments[0]).toMatchObject({ source: 'kernel', bufsz: 0x8000, memsz: 0x9000 });
  });

  it('takes the first RAM range large enough, in map order; reserved ranges are not holes nor obstacles', () => {
    const ranges = parseIomem(
      '10000000-1000ffff : System RAM\n20000000-2fffffff : System RAM\n  20000000-200fffff : reserved\n',
    );
    const plan = planArmZImage({ kernel: syntheticZImage({ length: 0x20000 }), dtb: emptyDtb(), ranges });
    expect(plan.entry).toBe(0x20008000);
  });

  it('an initrd larger than RAM has no hole: KEXEC_NO_HOLE, and no memory map at all: KEXEC_NO_MEMORY', () => {
    const kernel = syntheticZImage({ length: 0x20000 });
    const huge = { length: 0x50000000 } as Uint8Array;
    expect(() => planArmZImage({ kernel, initrd: huge, dtb: emptyDtb(), ranges: RAM_1G })).toThrow(
      /no free RAM range.*initrd/,
    );
    expect(() => planArmZImage({ kernel, dtb: emptyDtb(), ranges: [] })).toThrow(KexecError);
  });

  it('refuses what is not a zImage', () => {
    expect(() => planArmZImage({ kernel: new Uint8Array(1000), dtb: emptyDtb(), ranges: RAM_1G })).toThrow(
      /not an ARM zImage/,
    );
  });

  it('planKexec routes by architecture and refuses what this package cannot do', () => {
    const kernel = syntheticZImage({ length: 0x20000 });
    expect(planKexec({ arch: 'arm', kernel, dtb: emptyDtb(), ranges: RAM_1G }).syscall).toBe('kexec_load');
    expect(() => planKexec({ arch: 'arm', kernel, ranges: RAM_1G })).toThrow(/device tree/);
    expect(() =>
      planKexec({ arch: 'arm', kernel, dtb: emptyDtb(), ranges: RAM_1G, syscall: 'kexec_file_load' }),
    ).toThrow(/no kexec_file_load/);
    const bzImage = new Uint8Array(0x400);
    bzImage.set([0x48, 0x64, 0x72, 0x53], 0x202);
    const file = planKexec({ arch: 'x86_64', kernel: bzImage, cmdline: 'quiet' });
    expect(file).toMatchObject({ syscall: 'kexec_file_load', flags: 4, details: { cmdlineLength: 6 } });
    expect(planKexec({ arch: 'x86_64', kernel: bzImage, initrd: new Uint8Array(8) }).flags).toBe(0);
    expect(() => planKexec({ arch: 'x86_64', kernel: bzImage, syscall: 'kexec_load' })).toThrow(/purgatory/);
    expect(() => planKexec({ arch: 'arm64', kernel: bzImage })).toThrow(/expected arm64-Image/);
  });
});

describe('planArmZImage against kexec-tools 2.0.25 in the armhf QEMU guest (figures copied from its --debug output)', () => {
  // The guest: qemu-system-arm -M virt -m 1024, Debian 12's armmp 6.1.0-57 zImage (0x537200 bytes, KLSZ
  // text+data 0x013a12a8, bss 0x5e360), /sys/firmware/fdt = QEMU's 1 MiB blob whose /chosen already has
  // bootargs "console=ttyAMA0 panic=-1" and 8-byte linux,initrd-start/-end. /proc/iomem: 40000000-7fffffff.
  const kernel = syntheticZImage({ length: 0x537200, klsz: { dataSize: 0x013a12a8, bssSize: 0x5e360 } });
  const cmdline = 'console=ttyAMA0 panic=-1 kxparity=1';

  it('with a 0x5a02a00-byte initrd: kernel, initrd and DT exactly where kexec -l put them', () => {
    const initrd = { length: 0x5a02a00 } as Uint8Array;
    const plan = planArmZImage({
      kernel,
      initrd,
      dtb: qemuDtb(),
      cmdline,
      ranges: RAM_1G,
      initrdPlacement: 'kexec-tools',
    });
    // kexec -l --debug: "Kernel: address=0x40008000 size=0x018e94a8", "Initrd: address=0x418f2000
    // size=0x05a02a00", "DT    : address=0x472f5000 size=0x0010000c", entry 0x40008000 flags 0x280000.
    expect(plan.entry).toBe(0x40008000);
    expect(plan.flags).toBe(0x280000);
    expect(plan.details.imageSize).toBe(0x018e94a8);
    expect(plan.segments.map(({ bufsz, mem, memsz }) => ({ bufsz, mem, memsz }))).toEqual([
      { bufsz: 0x537200, mem: 0x40008000, memsz: 0x538000 },
      { bufsz: 0x5a02a00, mem: 0x418f2000, memsz: 0x5a03000 },
      { bufsz: 0x10000c, mem: 0x472f5000, memsz: 0x101000 },
    ]);
  });

  it('without an initrd: the DT right above the image size', () => {
    const plan = planArmZImage({ kernel, dtb: qemuDtb(), cmdline, ranges: RAM_1G, initrdPlacement: 'kexec-tools' });
    // kexec -l --debug: "DT    : address=0x418f3000 size=0x0010000c", nr_segments = 2.
    expect(plan.segments.map(({ bufsz, mem, memsz }) => ({ bufsz, mem, memsz }))).toEqual([
      { bufsz: 0x537200, mem: 0x40008000, memsz: 0x538000 },
      { bufsz: 0x10000c, mem: 0x418f3000, memsz: 0x101000 },
    ]);
  });
});

describe('editDtbForKexec (setup_dtb_prop sizing)', () => {
  it('a blob without /chosen grows by fdt_node_len + fdt_prop_len per property', () => {
    const dtb = emptyDtb();
    const edited = editDtbForKexec(dtb, { bootargs: 'a', initrdStart: 0x1000, initrdEnd: 0x2000 });
    expect(edited.length).toBe(dtb.length + 20 + (9 + 12 + 4) + (19 + 12 + 4) + (17 + 12 + 4));
    const tree = parseFdt(edited.bytes);
    expect(getChosen(tree)).toEqual({ bootargs: 'a', initrdStart: 0x1000n, initrdEnd: 0x2000n });
    expect(new DataView(edited.bytes.buffer).getUint32(4)).toBe(edited.length);
  });

  it('an existing shorter bootargs grows by ALIGN4 of the difference; 8-byte initrd values keep their size', () => {
    const dtb = dtbWithChosen('console=ttyAMA0', 8);
    const edited = editDtbForKexec(dtb, { bootargs: 'console=ttyAMA0 more', initrdStart: 0x1000, initrdEnd: 0x2000 });
    // strlen grows by 5: ALIGN4(5) = 8; the 8-byte linux,initrd-* shrink to 4 bytes: no growth.
    expect(edited.length).toBe(dtb.length + 8);
    const chosen = findNode(parseFdt(edited.bytes), '/chosen')!;
    expect(chosen.properties.find((property) => property.name === 'linux,initrd-start')!.value).toHaveLength(4);
  });

  it('without a command line the bootargs stay as they were', () => {
    const dtb = dtbWithChosen('root=/dev/vda');
    const edited = editDtbForKexec(dtb, {});
    expect(edited.length).toBe(dtb.length);
    expect(getChosen(parseFdt(edited.bytes)).bootargs).toBe('root=/dev/vda');
  });

  it('keeps memory reservations', () => {
    const tree = createFdt();
    tree.reservations.push({ address: 0x48000000n, size: 0x100000n });
    const edited = editDtbForKexec(serializeFdt(tree), { bootargs: 'x' });
    expect(parseFdt(edited.bytes).reservations).toEqual([{ address: 0x48000000n, size: 0x100000n }]);
  });

  it('a blob that is not a device tree is KEXEC_BAD_DTB', () => {
    expect(() => editDtbForKexec(new Uint8Array(64), {})).toThrow(KexecError);
  });

  // The edit is made in place in the blob (libfdt's way); for blobs laid out as QEMU, dtc and libfdt lay
  // them out it gives the bytes the tree path (parse, setChosen, serialize, pad to the length) gave.
  const treePath = (dtb: Uint8Array, chosen: Parameters<typeof editDtbForKexec>[1], length: number) => {
    const tree = parseFdt(dtb);
    setChosen(tree, chosen);
    const bytes = new Uint8Array(length);
    bytes.set(serializeFdt(tree));
    new DataView(bytes.buffer).setUint32(4, length);
    return bytes;
  };

  it.each([
    [
      'the QEMU-like 1 MiB blob, bootargs and initrd',
      qemuDtb,
      { bootargs: 'console=ttyAMA0 kx=1', initrdStart: 0x48000000, initrdEnd: 0x4da02a00 },
    ],
    ['the QEMU-like 1 MiB blob, initrd only', qemuDtb, { initrdStart: 0x48000000, initrdEnd: 0x48001000 }],
    ['an existing /chosen, bootargs only', () => dtbWithChosen('root=/dev/vda'), { bootargs: 'root=/dev/vda2 rw' }],
  ])('%s: the same bytes as the tree path', (_name, make, chosen) => {
    const dtb = make();
    const edited = editDtbForKexec(dtb, chosen);
    expect(edited.bytes).toEqual(treePath(dtb, chosen, edited.length));
  });

  it('a version 16 blob (not editable in place) goes through the tree, sized the same way', () => {
    const dtb = dtbWithChosen('console=ttyAMA0', 8);
    const v16 = dtb.slice();
    new DataView(v16.buffer).setUint32(20, 16);
    const edited = editDtbForKexec(v16, { bootargs: 'console=ttyAMA0 more' });
    expect(edited.length).toBe(dtb.length + 8);
    expect(getChosen(parseFdt(edited.bytes)).bootargs).toBe('console=ttyAMA0 more');
    expect(edited.bytes).toEqual(editDtbForKexec(dtb, { bootargs: 'console=ttyAMA0 more' }).bytes);
  });
});
