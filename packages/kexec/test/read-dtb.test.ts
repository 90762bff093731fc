import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFdt, encodeString, serializeFdt, setChosen, setProperty } from '@initkit/fdt';
import { afterAll, describe, expect, it } from 'vitest';
import { readCurrentDtb } from '../src/node.js';

describe('readCurrentDtb', () => {
  const directory = mkdtempSync(join(tmpdir(), 'initkit-kexec-dtb-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const tree = createFdt();
  setProperty(tree.root, 'compatible', encodeString('linux,dummy-virt'));
  setChosen(tree, { bootargs: 'console=ttyAMA0' });
  const used = serializeFdt(tree);

  it("reads the used part of a blob laid out as QEMU's (1 MiB), the file's length with zeros after it", () => {
    const file = serializeFdt(tree, { minSize: 0x100000 });
    // Stale bytes in the free space are not read.
    file.fill(0x5a, used.length + 100);
    const path = join(directory, 'fdt');
    writeFileSync(path, file);
    const read = readCurrentDtb(path);
    expect(read.length).toBe(0x100000);
    expect(read.subarray(0, used.length)).toEqual(file.subarray(0, used.length));
    expect(read.subarray(used.length).every((byte) => byte === 0)).toBe(true);
  });

  it('reads a file that is not a version 17 blob in order whole; a missing one is KEXEC_NO_DTB', () => {
    const other = new Uint8Array(10_000).map((_, index) => index & 0xff);
    const path = join(directory, 'other');
    writeFileSync(path, other);
    expect(readCurrentDtb(path)).toEqual(other);
    expect(() => readCurrentDtb(join(directory, 'missing'))).toThrow(expect.objectContaining({ code: 'KEXEC_NO_DTB' }));
  });
});
