import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import * as portable from '../src/index.js';
import * as nodeMain from '../src/node/main.js';

describe('the Node build of the main entry', () => {
  it('exports what the portable entry exports', () => {
    expect(Object.keys(nodeMain).sort()).toEqual(Object.keys(portable).sort());
  });

  it('computes crc32 with node:zlib where Node has it, loading it at the first CRC', () => {
    expect(typeof zlib.crc32).toBe('function');
    // The object process.getBuiltinModule returns: the CommonJS exports of node:zlib.
    const zlibExports = createRequire(import.meta.url)('node:zlib') as typeof zlib;
    const native = vi.spyOn(zlibExports, 'crc32');
    expect(nodeMain.crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(native).toHaveBeenCalledTimes(1);
    native.mockRestore();
  });

  it('gives the same crc32 as the portable code: whole, continued, and on views at odd offsets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(2000), fc.nat(7), (data, cut, skip) => {
        const view = data.subarray(Math.min(skip, data.length));
        const at = Math.min(cut, view.length);
        const expected = portable.crc32(view);
        expect(nodeMain.crc32(view)).toBe(expected);
        expect(nodeMain.crc32(view.subarray(at), nodeMain.crc32(view.subarray(0, at)))).toBe(expected);
        expect(nodeMain.crc32(view.subarray(at), portable.crc32(view.subarray(0, at)))).toBe(expected);
      }),
    );
  });

  it('shares one InitkitError class with the node helpers', async () => {
    const { readFileLimited } = await import('../src/node.js');
    await expect(readFileLimited('/etc/passwd', 1)).rejects.toBeInstanceOf(nodeMain.InitkitError);
  });
});
