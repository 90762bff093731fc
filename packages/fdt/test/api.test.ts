import { describe, expect, it } from 'vitest';
import {
  addNode,
  createFdt,
  createNode,
  decodeReg,
  deleteNode,
  deleteProperty,
  encodeString,
  encodeStringList,
  encodeU32,
  encodeU64,
  ensureNode,
  FDT_ERROR_CODES,
  fdtLayout,
  fdtToJson,
  findNode,
  findNodeByPhandle,
  formatDts,
  getBytes,
  getCells,
  getChosen,
  getNode,
  getString,
  getStringList,
  getU32,
  getU64,
  locateNode,
  memoryRanges,
  parseFdt,
  resolveAlias,
  serializeFdt,
  setChosen,
  setProperty,
  walkNodes,
} from '../src/index.js';
import { codeOf, fixture } from './helpers.js';

describe('lookup', () => {
  const tree = parseFdt(fixture('labels.dtb'));

  it('paths, unit-address-less components and aliases as libfdt resolves them', () => {
    expect(findNode(tree, '/')).toBe(tree.root);
    expect(findNode(tree, '/soc/serial@2000')?.name).toBe('serial@2000');
    expect(findNode(tree, '/soc/serial')?.name).toBe('serial@2000');
    expect(findNode(tree, '/memory')?.name).toBe('memory@80000000');
    expect(findNode(tree, '//soc//serial@2000/')?.name).toBe('serial@2000');
    expect(resolveAlias(tree, 'serial0')).toBe('/soc/serial@2000');
    expect(findNode(tree, 'serial0')?.name).toBe('serial@2000');
    expect(findNode(tree, 'intc')?.name).toBe('interrupt-controller@1000');
    expect(findNode(tree, '/soc/nothing')).toBeUndefined();
    expect(findNode(tree, 'nothing')).toBeUndefined();
    expect(codeOf(() => getNode(tree, '/soc/nothing'))).toBe('FDT_NOT_FOUND');
    expect(codeOf(() => getNode(tree, 'nothing/x'))).toBe('FDT_BAD_PATH');
    expect(codeOf(() => getNode(tree, ''))).toBe('FDT_BAD_PATH');
    expect(locateNode(tree, '/soc/clock-controller@3000')).toMatchObject({ index: 2 });
  });

  it('phandles: the node dtc numbered for each reference', () => {
    const serial = getNode(tree, '/soc/serial@2000');
    const [intcPhandle] = getCells(serial, 'interrupt-parent');
    expect(findNodeByPhandle(tree, intcPhandle!)?.name).toBe('interrupt-controller@1000');
    const clocks = getCells(serial, 'clocks');
    expect(findNodeByPhandle(tree, clocks[0]!)?.name).toBe('clock-controller@3000');
    expect(findNodeByPhandle(tree, 0)).toBeUndefined();
    expect(findNodeByPhandle(tree, 0xffffffff)).toBeUndefined();
    expect(findNodeByPhandle(tree, 0x1234)).toBeUndefined();
  });

  it('typed accessors check size and form', () => {
    const root = tree.root;
    expect(getU32(root, '#address-cells')).toBe(1);
    expect(getString(root, 'model')).toBe('labels and phandles');
    expect(getStringList(root, 'compatible')).toEqual(['initkit,labels', 'initkit,test']);
    expect(getBytes(root, 'model')).toHaveLength(20);
    expect(codeOf(() => getU32(root, 'model'))).toBe('FDT_BAD_VALUE');
    expect(codeOf(() => getU64(root, '#size-cells'))).toBe('FDT_BAD_VALUE');
    expect(codeOf(() => getU32(root, 'missing'))).toBe('FDT_NOT_FOUND');
    expect(codeOf(() => getStringList(root, '#size-cells'))).toBe('FDT_BAD_VALUE');
    const values = parseFdt(fixture('values.dtb')).root;
    expect(getU64(values, 'u64')).toBe(0x123456789abcdef0n);
    expect(getStringList(values, 'two-empty-strings')).toEqual(['', '']);
  });

  it('reg with #address-cells/#size-cells, and the /memory ranges', () => {
    expect(decodeReg(getNode(tree, '/soc/serial@2000'), getNode(tree, '/soc'))).toEqual([
      { address: 0x2000n, size: 0x100n },
    ]);
    expect(memoryRanges(tree)).toEqual([
      { address: 0x80000000n, size: 0x10000000n },
      { address: 0xa0000000n, size: 0x08000000n },
    ]);
    const wide = parseFdt(fixture('memreserve.dtb'));
    expect(memoryRanges(wide)).toEqual([
      { address: 0n, size: 0x100000000n },
      { address: 0x880000000n, size: 0x80000000n },
    ]);
    expect(decodeReg(getNode(wide, '/cpus/cpu@101'), getNode(wide, '/cpus'))).toEqual([{ address: 0x101n, size: 0n }]);
    expect(wide.reservations).toEqual([
      { address: 0x10000000n, size: 0x4000n },
      { address: 0xffffffff00000000n, size: 0x100000000n },
    ]);
    expect(wide.bootCpuidPhys).toBe(0x101);
  });

  it('walkNodes visits every node depth first with its path', () => {
    const paths = [...walkNodes(tree)].map((entry) => entry.path);
    expect(paths.slice(0, 4)).toEqual(['/', '/aliases', '/chosen', '/soc']);
    expect(paths).toContain('/soc/clock-controller@3000');
  });
});

describe('edits follow libfdt', () => {
  it('a new property goes first, an existing one keeps its place, a new node is the first child', () => {
    const tree = parseFdt(fixture('labels.dtb'));
    const soc = getNode(tree, '/soc');
    setProperty(soc, 'new', encodeU32(7));
    setProperty(soc, 'ranges', encodeU32([0, 0, 0x1000]));
    expect(soc.properties.map((p) => p.name)).toEqual(['new', '#address-cells', '#size-cells', 'ranges']);
    expect(addNode(soc, 'added@9').name).toBe('added@9');
    expect(soc.children[0]!.name).toBe('added@9');
    expect(codeOf(() => addNode(soc, 'serial'))).toBe('FDT_EXISTS');
    expect(codeOf(() => addNode(soc, 'a/b'))).toBe('FDT_BAD_PATH');
    deleteProperty(soc, 'new');
    expect(codeOf(() => deleteProperty(soc, 'new'))).toBe('FDT_NOT_FOUND');
    deleteNode(tree, '/soc/added@9');
    expect(codeOf(() => deleteNode(tree, '/'))).toBe('FDT_BAD_PATH');
    expect(codeOf(() => createNode(tree, '/nothing/x'))).toBe('FDT_NOT_FOUND');
    expect(ensureNode(tree, '/a/b/c').name).toBe('c');
    expect(tree.root.children[0]!.name).toBe('a');
  });

  it('stale padding bytes (as fdt_setprop leaves them) round-trip; setProperty clears them', () => {
    const tree = parseFdt(fixture('values.dtb'));
    const bytes = serializeFdt(tree);
    const valueAt = fdtLayout(tree).valueOffsets.get(tree.root.properties.find((p) => p.name === 'bytes')!)!;
    bytes[valueAt + 3] = 0x5a; // [01 02 03] has one byte of padding
    const stale = parseFdt(bytes);
    expect(stale.root.properties.find((p) => p.name === 'bytes')!.padding).toEqual(new Uint8Array([0x5a]));
    expect(serializeFdt(stale)).toEqual(bytes);
    setProperty(stale.root, 'bytes', new Uint8Array([1, 2, 3]));
    expect(serializeFdt(stale)).toEqual(serializeFdt(tree));
  });

  it('a deleted property keeps its name in the strings block (as fdtput), unless rebuilt (as dtc)', () => {
    const bytes = fixture('labels.dtb');
    const tree = parseFdt(bytes);
    deleteProperty(getNode(tree, '/'), 'model');
    const kept = serializeFdt(tree);
    const rebuilt = serializeFdt(tree, { strings: 'rebuild' });
    expect(kept.length - rebuilt.length).toBe('model'.length + 1);
    expect(parseFdt(kept)).toMatchObject({ root: tree.root });
    expect(formatDts(parseFdt(kept))).toBe(formatDts(parseFdt(rebuilt)));
  });
});

describe('/chosen for kexec', () => {
  it('creates /chosen first, sets bootargs then initrd-start then initrd-end (each new one first)', () => {
    const tree = parseFdt(fixture('memreserve.dtb'));
    setChosen(tree, { bootargs: 'console=ttyAMA0', initrdStart: 0x84000000, initrdEnd: 0x84800000 });
    const chosen = tree.root.children[0]!;
    expect(chosen.name).toBe('chosen');
    expect(chosen.properties.map((p) => p.name)).toEqual(['linux,initrd-end', 'linux,initrd-start', 'bootargs']);
    expect(getChosen(tree)).toEqual({ bootargs: 'console=ttyAMA0', initrdStart: 0x84000000n, initrdEnd: 0x84800000n });
    // Reservations survive the write.
    expect(parseFdt(serializeFdt(tree)).reservations).toEqual(tree.reservations);
  });

  it('8-byte cells, an existing /chosen updated in place, and bad widths refused before any change', () => {
    const tree = parseFdt(fixture('labels.dtb'));
    setChosen(tree, { initrdStart: 0x1_0000_0000n, initrdEnd: 0x1_0040_0000n }, { cellBytes: 8 });
    const chosen = getNode(tree, '/chosen');
    expect(getU64(chosen, 'linux,initrd-start')).toBe(0x1_0000_0000n);
    expect(chosen.properties.map((p) => p.name)).toEqual(['linux,initrd-end', 'linux,initrd-start', 'stdout-path']);
    setChosen(tree, { bootargs: 'quiet' });
    expect(chosen.properties[0]!.name).toBe('bootargs');
    const before = serializeFdt(tree);
    expect(codeOf(() => setChosen(tree, { bootargs: 'x', initrdStart: 0x1_0000_0000 }))).toBe('FDT_BAD_OPTION');
    expect(codeOf(() => setChosen(tree, { initrdStart: 1 }, { cellBytes: 2 as 4 }))).toBe('FDT_BAD_OPTION');
    expect(serializeFdt(tree)).toEqual(before);
  });
});

describe('building and serializing', () => {
  it('a tree built from nothing serializes and reads back', () => {
    const tree = createFdt();
    tree.reservations.push({ address: 0x1000n, size: 0x2000n });
    setProperty(tree.root, 'compatible', encodeStringList(['a', 'b']));
    setProperty(ensureNode(tree, '/x@1'), 'big', encodeU64([1n, 2]));
    setProperty(getNode(tree, '/x@1'), 'name', encodeString('é'));
    const back = parseFdt(serializeFdt(tree));
    expect(back.root).toEqual(tree.root);
    expect(back.reservations).toEqual(tree.reservations);
    expect(fdtToJson(back).root.children[0]).toMatchObject({
      path: '/x@1',
      properties: [
        { name: 'name', type: 'bytes' },
        { name: 'big', type: 'cells', value: [0, 1, 0, 2] },
      ],
    });
  });

  it('options: padding, bad values', () => {
    const tree = parseFdt(fixture('labels.dtb'));
    const packed = serializeFdt(tree);
    expect(serializeFdt(tree, { padBytes: 3 }).length).toBe(packed.length + 3);
    expect(serializeFdt(tree, { minSize: 1 }).length).toBe(packed.length);
    expect(serializeFdt(tree, { alignTo: 4096 }).length).toBe(4096);
    expect(codeOf(() => serializeFdt(tree, { alignTo: 3 }))).toBe('FDT_BAD_OPTION');
    expect(codeOf(() => serializeFdt(tree, { padBytes: -1 }))).toBe('FDT_BAD_OPTION');
    expect(codeOf(() => encodeU32(2 ** 32))).toBe('FDT_BAD_OPTION');
    expect(codeOf(() => encodeU64(-1n))).toBe('FDT_BAD_OPTION');
    tree.reservations.push({ address: 1n, size: 0n });
    expect(codeOf(() => serializeFdt(tree))).toBe('FDT_BAD_OPTION');
  });

  it('every error code has a one-line meaning', () => {
    for (const [code, meaning] of Object.entries(FDT_ERROR_CODES)) {
      expect(code).toMatch(/^FDT_[A-Z_]+$/);
      expect(meaning).not.toContain('\n');
    }
  });
});
