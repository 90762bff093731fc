/**
 * FdtBlob (in-place edits) against fdtput, which edits through libfdt's fdt_rw.c as kexec-tools does,
 * and against the tree path (parseFdt, setChosen, serializeFdt) where the two must agree.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InitkitError } from '@initkit/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import {
  type ChosenValues,
  createFdt,
  encodeString,
  encodeU32,
  FDT_ERROR_CODES,
  FdtBlob,
  getNode,
  parseFdt,
  serializeFdt,
  setChosen,
  setChosenInBlob,
  setProperty,
} from '../src/index.js';
import { codeOf, fixture } from './helpers.js';

/** The blob edited in place, packed (totalsize = the used bytes), as fdtput leaves a file. */
function editedInPlace(bytes: Uint8Array, values: ChosenValues, cellBytes: 4 | 8 = 4): Uint8Array {
  const blob = FdtBlob.open(bytes, { capacity: bytes.length + 1024 });
  setChosenInBlob(blob, values, { cellBytes });
  return blob.resize(blob.dataSize).bytes;
}

function editedThroughTree(bytes: Uint8Array, values: ChosenValues, cellBytes: 4 | 8 = 4): Uint8Array {
  const tree = parseFdt(bytes);
  setChosen(tree, values, { cellBytes });
  return serializeFdt(tree);
}

/** QEMU -M virt's /sys/firmware/fdt in miniature: 1 MiB, /chosen with bootargs and 8-byte initrd cells. */
function qemuLikeBlob(): Uint8Array {
  const tree = createFdt();
  setProperty(tree.root, '#address-cells', encodeU32(2));
  setProperty(tree.root, 'compatible', encodeString('linux,dummy-virt'));
  setChosen(
    tree,
    { bootargs: 'console=ttyAMA0 panic=-1', initrdStart: 0x48000000, initrdEnd: 0x4a000000 },
    { cellBytes: 8 },
  );
  tree.root.children.push({
    name: 'memory@40000000',
    properties: [{ name: 'device_type', value: encodeString('memory') }],
    children: [],
  });
  tree.reservations.push({ address: 0x4000_0000n, size: 0x1000n });
  return serializeFdt(tree, { minSize: 0x100000 });
}

const KEXEC_VALUES: ChosenValues = {
  bootargs: 'console=ttyAMA0 panic=-1 kxparity=1',
  initrdStart: 0x48000000,
  initrdEnd: 0x4da02a00,
};

describe('FdtBlob: in-place edits equal the tree path where names already exist', () => {
  it.each<[string, () => Uint8Array, ChosenValues]>([
    ['QEMU-like 1 MiB blob, longer bootargs, 8-byte initrd cells become 4', qemuLikeBlob, KEXEC_VALUES],
    ['QEMU-like 1 MiB blob, shorter bootargs', qemuLikeBlob, { bootargs: 'q' }],
    [
      'labels.dtb edited once, then again (every name now in the strings block)',
      () => editedInPlace(fixture('labels.dtb'), KEXEC_VALUES),
      KEXEC_VALUES,
    ],
  ])('%s', (_name, make, values) => {
    const bytes = make();
    const packed = editedInPlace(bytes, values);
    expect(packed).toEqual(editedThroughTree(bytes, values));
    // With room to spare the used part is the same and the rest is zero.
    const roomy = FdtBlob.open(bytes, { capacity: bytes.length + 64 });
    setChosenInBlob(roomy, values);
    expect(roomy.bytes.length).toBe(bytes.length + 64);
    expect(roomy.bytes.subarray(8, packed.length)).toEqual(packed.subarray(8));
    expect(roomy.bytes.subarray(packed.length).every((byte) => byte === 0)).toBe(true);
  });

  it('a blob without /chosen gets it as the root first child, with the properties in kexec-tools order', () => {
    const tree = parseFdt(editedInPlace(fixture('memreserve.dtb'), KEXEC_VALUES));
    expect(tree.root.children[0]!.name).toBe('chosen');
    expect(getNode(tree, '/chosen').properties.map((property) => property.name)).toEqual([
      'linux,initrd-end',
      'linux,initrd-start',
      'bootargs',
    ]);
    expect(tree.reservations).toEqual(parseFdt(fixture('memreserve.dtb')).reservations);
    // Nothing to set adds nothing, as kexec-tools without a command line or initrd.
    const untouched = FdtBlob.open(fixture('memreserve.dtb'));
    setChosenInBlob(untouched, {});
    expect(untouched.bytes).toEqual(fixture('memreserve.dtb'));
  });
});

describe.runIf(hasTools('fdtput', 'fdtget'))('FdtBlob against fdtput (libfdt fdt_rw)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'initkit-fdt-blob-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  let count = 0;

  /** fdtput's edits in kexec-tools' order: /chosen created when missing, then bootargs, start, end. */
  function fdtput(bytes: Uint8Array, values: ChosenValues): Uint8Array {
    const file = join(directory, `blob-${count++}.dtb`);
    writeFileSync(file, bytes);
    const hasChosen = (() => {
      try {
        execFileSync('fdtget', ['-l', file, '/chosen'], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    })();
    if (!hasChosen) execFileSync('fdtput', ['-c', file, '/chosen']);
    if (values.bootargs !== undefined)
      execFileSync('fdtput', ['-t', 's', file, '/chosen', 'bootargs', values.bootargs]);
    for (const [name, value] of [
      ['linux,initrd-start', values.initrdStart],
      ['linux,initrd-end', values.initrdEnd],
    ] as const) {
      if (value !== undefined) execFileSync('fdtput', ['-t', 'x', file, '/chosen', name, value.toString(16)]);
    }
    return new Uint8Array(readFileSync(file));
  }

  /** fdtput leaves stale bytes after a value whose length is not a multiple of 4: zero them (parse, strip, serialize). */
  const withZeroPadding = (bytes: Uint8Array) => {
    const tree = parseFdt(bytes);
    const strip = (node: typeof tree.root) => {
      for (const property of node.properties) delete property.padding;
      node.children.forEach(strip);
    };
    strip(tree.root);
    return serializeFdt(tree);
  };

  it.each<[string, () => Uint8Array, ChosenValues]>([
    ['labels.dtb (a /chosen with other properties)', () => fixture('labels.dtb'), KEXEC_VALUES],
    ['memreserve.dtb (no /chosen, new names appended in call order)', () => fixture('memreserve.dtb'), KEXEC_VALUES],
    ['values.dtb, bootargs only (odd length)', () => fixture('values.dtb'), { bootargs: 'root=/dev/vda1 rw' }],
    ['deep.dtb, initrd only', () => fixture('deep.dtb'), { initrdStart: 0x1000, initrdEnd: 0x2000 }],
    ['QEMU-like blob (fdtput packs it)', qemuLikeBlob, KEXEC_VALUES],
    ['an empty tree', () => serializeFdt(createFdt()), KEXEC_VALUES],
  ])('%s: the same bytes as fdtput (padding zeroed)', (_name, make, values) => {
    const bytes = make();
    const ours = editedInPlace(bytes, values);
    const theirs = fdtput(bytes, values);
    expect(ours.length).toBe(theirs.length);
    expect(ours).toEqual(withZeroPadding(theirs));
    // Our padding is zero already: the normalisation changes nothing on our side.
    expect(withZeroPadding(ours)).toEqual(ours);
  });
});

describe('FdtBlob refuses what it cannot edit in place, and only with listed codes', () => {
  it('version 16, blocks out of order, too small a capacity', () => {
    const labels = fixture('labels.dtb');
    const v16 = serializeFdt(parseFdt(labels));
    new DataView(v16.buffer).setUint32(20, 16);
    expect(codeOf(() => FdtBlob.open(v16))).toBe('FDT_UNSUPPORTED');
    // Strings before the structure block (dtc's -I dtb input may come so from other writers).
    const view = new DataView(labels.buffer.slice(0));
    const header = (at: number) => view.getUint32(at);
    const swapped = new Uint8Array(labels.length + 4);
    const structBytes = labels.subarray(header(8), header(8) + header(36));
    const stringsBytes = labels.subarray(header(12), header(12) + header(32));
    // The structure block stays 4-byte aligned after the strings.
    const structAt = header(8) + ((stringsBytes.length + 3) & ~3);
    swapped.set(labels.subarray(0, header(8)));
    swapped.set(stringsBytes, header(8));
    swapped.set(structBytes, structAt);
    const swappedView = new DataView(swapped.buffer);
    swappedView.setUint32(4, swapped.length);
    swappedView.setUint32(12, header(8));
    swappedView.setUint32(8, structAt);
    expect(formatNames(parseFdt(swapped))).toEqual(formatNames(parseFdt(labels)));
    expect(codeOf(() => FdtBlob.open(swapped))).toBe('FDT_UNSUPPORTED');
    expect(codeOf(() => FdtBlob.open(labels, { capacity: 16 }))).toBe('FDT_BAD_OPTION');
    const tight = FdtBlob.open(labels);
    expect(codeOf(() => setChosenInBlob(tight, KEXEC_VALUES))).toBe('FDT_BAD_OPTION');
  });

  it('mutated fixtures: an edited blob or an InitkitError with a listed code, never another exception or a hang', () => {
    const codes = Object.keys(FDT_ERROR_CODES);
    const blobs = ['labels.dtb', 'values.dtb', 'memreserve.dtb'].map(fixture);
    fc.assert(
      fc.property(
        fc.constantFrom(...blobs),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (blob, flips, cut) => {
          const bytes = blob.slice();
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          try {
            const opened = FdtBlob.open(cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length), {
              capacity: bytes.length + 256,
            });
            setChosenInBlob(opened, KEXEC_VALUES);
          } catch (error) {
            if (!(error instanceof InitkitError)) throw error;
            expect(codes).toContain(error.code);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

function formatNames(tree: ReturnType<typeof parseFdt>): string[] {
  const names: string[] = [];
  const visit = (node: typeof tree.root, path: string) => {
    for (const property of node.properties) names.push(`${path}:${property.name}`);
    for (const child of node.children) visit(child, `${path}/${child.name}`);
  };
  visit(tree.root, '');
  return names;
}
