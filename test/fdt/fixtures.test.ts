/**
 * The DTS fixtures (labels, phandles, memreserve, every value form, a deep and a wide tree) compiled
 * by dtc now and as committed: our serializer of our parse equals dtc's blob, dtc's padding options
 * (-p, -S, -a) map to serializeFdt's, and formatDts equals `dtc -I dtb -O dts`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDts, parseFdt, type SerializeFdtOptions, serializeFdt } from '@initkit/fdt';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/run.js';
import { hasTools } from '../harness/tools.js';

const directory = join(repoRoot, 'fixtures/fdt');
const read = (name: string) => new Uint8Array(readFileSync(join(directory, name)));
const dtc = (...args: string[]) => new Uint8Array(execFileSync('dtc', ['-q', ...args], { maxBuffer: 1 << 26 }));
const SOURCES = ['labels', 'memreserve', 'values', 'deep'];

describe.runIf(hasTools('dtc'))('DTS fixtures against dtc', () => {
  it.each(SOURCES)('%s: dtc compiles the committed blob; we write it back byte for byte', (name) => {
    const compiled = dtc('-I', 'dts', '-O', 'dtb', join(directory, `${name}.dts`));
    expect(compiled).toEqual(read(`${name}.dtb`));
    const tree = parseFdt(compiled);
    expect(serializeFdt(tree)).toEqual(compiled);
    delete tree.strings; // built from the tree alone, as dtc builds it
    expect(serializeFdt(tree)).toEqual(compiled);
  });

  it.each(SOURCES)('%s: formatDts equals `dtc -I dtb -O dts`', (name) => {
    const text = Buffer.from(dtc('-I', 'dtb', '-O', 'dts', join(directory, `${name}.dtb`))).toString('latin1');
    expect(formatDts(parseFdt(read(`${name}.dtb`)))).toBe(text);
  });

  it.each<[string, string[], SerializeFdtOptions]>([
    ['labels-p100.dtb', ['-p', '100'], { padBytes: 100 }],
    ['labels-S4096.dtb', ['-S', '4096'], { minSize: 4096 }],
    ['labels-a64.dtb', ['-a', '64'], { alignTo: 64 }],
    ['labels-p10-a16.dtb', ['-p', '10', '-a', '16'], { padBytes: 10, alignTo: 16 }],
    ['-S smaller than the blob', ['-S', '16'], { minSize: 16 }],
    ['-S with -a', ['-S', '1000', '-a', '256'], { minSize: 1000, alignTo: 256 }],
  ])('padding %s equals dtc %j', (name, flags, options) => {
    const expected = dtc('-I', 'dts', '-O', 'dtb', ...flags, join(directory, 'labels.dts'));
    if (name.endsWith('.dtb')) expect(read(name)).toEqual(expected);
    expect(serializeFdt(parseFdt(read('labels.dtb')), options)).toEqual(expected);
    // A padded blob reads back to the same tree and packs to the plain one (as fdtput's fdt_pack).
    expect(serializeFdt(parseFdt(expected))).toEqual(read('labels.dtb'));
  });

  it('-p with -S is refused, as dtc refuses it', () => {
    expect(() =>
      execFileSync('dtc', ['-q', '-p', '8', '-S', '4096', join(directory, 'labels.dts')], { stdio: 'pipe' }),
    ).toThrow(/Can't set both -p and -S/);
    expect(() => serializeFdt(parseFdt(read('labels.dtb')), { padBytes: 8, minSize: 4096 })).toThrow(
      expect.objectContaining({ code: 'FDT_BAD_OPTION' }),
    );
  });
});
