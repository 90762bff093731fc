/** ELF, .modinfo and signature reading on synthetic modules of every ELF class and byte order, and bad input. */
import { InitkitError } from '@initkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../src/elf.js';
import { readKernelModule } from '../src/kernel-module.js';
import { parseModinfo } from '../src/modinfo.js';
import { formatModinfo } from '../src/modinfo-format.js';
import { readModuleSymbols } from '../src/module-symbols.js';
import { readModuleSignature } from '../src/signature.js';
import { appendFakeSignature, buildFakeModule } from './elf-builder.js';

const MODINFO = [
  'license=GPL',
  'depends=virtio,virtio_ring',
  'alias=virtio:d00000001v*',
  'name=virtio_net',
  'vermagic=6.1.0 SMP mod_unload ',
];

function expectInitkitError(action: () => unknown, code: string): InitkitError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InitkitError);
    expect((error as InitkitError).code).toBe(code);
    return error as InitkitError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('ELF modules of every class and byte order', () => {
  for (const elfClass of [32, 64] as const) {
    for (const littleEndian of [true, false]) {
      it(`${elfClass}-bit ${littleEndian ? 'little' : 'big'}-endian: modinfo, exports, imports`, () => {
        const bytes = buildFakeModule({
          elfClass,
          littleEndian,
          modinfo: MODINFO,
          symbols: [
            { name: 'virtnet_probe', defined: true },
            { name: 'virtqueue_add_outbuf', defined: false },
            { name: 'register_virtio_driver', defined: false, weak: true },
          ],
          exports: ['virtnet_exported'],
          versions: ['module_layout', 'virtqueue_add_outbuf'],
        });
        const module = readKernelModule(bytes, { path: 'kernel/drivers/net/virtio_net.ko' });
        expect(module.elf.elfClass).toBe(elfClass);
        expect(module.elf.littleEndian).toBe(littleEndian);
        expect(module.name).toBe('virtio_net');
        expect(module.info.map((e) => e.key)).toEqual(['license', 'depends', 'alias', 'name', 'vermagic']);
        expect(module.info[4]!.value).toBe('6.1.0 SMP mod_unload ');
        const symbols = readModuleSymbols(module.elf);
        expect(symbols.exports).toEqual(['virtnet_exported']);
        // Undefined symbols in table order, then the __versions entries no symbol used.
        expect(symbols.imports).toEqual(['virtqueue_add_outbuf', 'register_virtio_driver', 'module_layout']);
        expect([...symbols.weakImports]).toEqual(['register_virtio_driver']);
      });
    }
  }

  it('takes exports from __ksymtab_strings when there are no __crc_ symbols (no modversions)', () => {
    const elf = readKernelModule(buildFakeModule({ ksymtabStrings: ['phylink_create', 'phylink_destroy'] })).elf;
    expect(readModuleSymbols(elf).exports).toEqual(['phylink_create', 'phylink_destroy']);
    expect(elf.sections.map((section) => section.name)).toContain('__ksymtab_strings');
    expect(elf.symbols()).toEqual([]);
  });

  it('names a module from its path when .modinfo has no name=', () => {
    const module = readKernelModule(buildFakeModule({ modinfo: ['license=GPL'] }), { path: 'a/b/snd-hda-intel.ko' });
    expect(module.name).toBe('snd_hda_intel');
  });

  it('prints modinfo text with parameters last, newest first, and -F fields', () => {
    const module = readKernelModule(
      buildFakeModule({
        modinfo: ['parmtype=a:int', 'parm=a:first', 'parm=b:second', 'license=GPL', 'parmtype=c:bool'],
      }),
      { path: 'x.ko' },
    );
    expect(formatModinfo(module)).toBe(
      'filename:       x.ko\nlicense:        GPL\nparm:           c:bool\nparm:           b:second\nparm:           a:first (int)\n',
    );
    expect(formatModinfo(module, { field: 'parm' })).toBe('c: (bool)\nb:second\na:first (int)\n');
    expect(formatModinfo(module, { field: 'license' })).toBe('GPL\n');
  });

  it('reads a non-PKCS#7 appended signature block', () => {
    const signed = appendFakeSignature(
      buildFakeModule({ modinfo: ['license=GPL'] }),
      'Test key',
      new Uint8Array([1, 0xab]),
      new Uint8Array(25).fill(7),
    );
    const signature = readModuleSignature(signed)!;
    expect(signature).toMatchObject({
      idType: 'X509',
      signer: 'Test key',
      hashAlgorithm: 'sha256',
      keyAlgorithm: 'RSA',
    });
    expect([...signature.keyId]).toEqual([1, 0xab]);
    expect(signature.signature.length).toBe(25);
    const text = formatModinfo(readKernelModule(signed, { path: 'x.ko' }));
    expect(text).toContain('sig_key:        01:AB\n');
    expect(text).toContain(`signature:      ${'07:'.repeat(20)}\n\t\t${'07:'.repeat(4)}07\n`);
  });
});

describe('bad modules are typed errors with offsets', () => {
  const good = buildFakeModule({ modinfo: MODINFO, symbols: [{ name: 'x', defined: false }] });

  it('not ELF and not compressed', () => {
    const error = expectInitkitError(
      () => readKernelModule(new TextEncoder().encode('hello world'), { path: 'x.ko' }),
      'KMOD_NOT_A_MODULE',
    );
    expect(error.message).toContain('x.ko: ');
    expect(error.offset).toBe(0);
  });

  it('truncated anywhere', () => {
    for (const length of [5, 20, 63, good.length - 1, good.length - 40]) {
      const error = expectInitkitError(
        () => new ElfFile(good.subarray(0, length)),
        length < 16 ? 'KMOD_ELF_BAD_MAGIC' : 'KMOD_ELF_TRUNCATED',
      );
      if (length >= 16) expect(error.offset).toBeTypeOf('number');
    }
  });

  it('a bad ELF class byte', () => {
    const bytes = good.slice();
    bytes[4] = 7;
    expect(expectInitkitError(() => new ElfFile(bytes), 'KMOD_ELF_CORRUPT').offset).toBe(4);
  });

  it('a section that runs past the end of the file', () => {
    const bytes = good.slice();
    const view = new DataView(bytes.buffer);
    const table = Number(view.getBigUint64(40, true));
    view.setBigUint64(table + 64 * 2 + 32, 1n << 40n, true); // section 2's size
    const error = expectInitkitError(() => new ElfFile(bytes), 'KMOD_ELF_TRUNCATED');
    expect(error.offset).toBe(table + 64 * 2);
  });

  it('a .modinfo without NULs', () => {
    const bytes = buildFakeModule({ modinfoBytes: new TextEncoder().encode('license=GPLdepends=') });
    const error = expectInitkitError(() => readKernelModule(bytes, { path: 'broken.ko' }), 'KMOD_ELF_CORRUPT');
    expect(error.message).toMatch(/^broken\.ko: /);
    expect(error.offset).toBe(new ElfFile(bytes).section('.modinfo')!.offset); // where the unterminated string starts
  });

  it('parseModinfo skips padding NULs and keeps keys without =', () => {
    expect(parseModinfo(new TextEncoder().encode('\0\0a=1\0\0\0flag\0b=x=y\0'))).toEqual([
      { key: 'a', value: '1' },
      { key: 'flag', value: '' },
      { key: 'b', value: 'x=y' },
    ]);
  });

  it('fuzz: random and mutated bytes return or throw InitkitError', () => {
    const read = (bytes: Uint8Array) => {
      try {
        const module = readKernelModule(bytes);
        readModuleSymbols(module.elf);
        formatModinfo(module);
      } catch (error) {
        if (!(error instanceof InitkitError)) throw error;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), read), { numRuns: 300 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        (edits) => {
          const bytes = good.slice();
          for (const [at, value] of edits) bytes[at] = value;
          read(bytes);
        },
      ),
      { numRuns: 500 },
    );
  });
});
