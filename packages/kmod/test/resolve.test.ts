/** depmod and resolution on small synthetic trees: order, soft dependencies, aliases, and every failure. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { depmod } from '../src/depmod.js';
import { fnmatch } from '../src/fnmatch.js';
import { ModuleDatabase } from '../src/module-database.js';
import { assertModuleFilesExist } from '../src/node/module-files.js';
import { probeList, resolveModules } from '../src/resolve.js';
import { parseModulesDep } from '../src/text-files.js';
import { checkVermagic } from '../src/vermagic.js';
import { buildFakeModule } from './elf-builder.js';

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));
const paths = (steps: ReturnType<typeof probeList>) =>
  steps.map((s) => (s.kind === 'insmod' ? s.path : `builtin:${s.name}`));

describe('depmod on synthetic modules', () => {
  const modules = [
    { path: 'kernel/net/phylink.ko', info: [], exports: ['phylink_create'], imports: ['printk'] },
    {
      path: 'kernel/net/mvneta.ko',
      info: [
        { key: 'alias', value: 'of:N*T*Cmarvell,armada-370-neta' },
        { key: 'softdep', value: 'pre: mvneta_bm' },
      ],
      exports: [],
      imports: ['phylink_create', 'mvneta_bm_pool_create'],
    },
    { path: 'kernel/net/mvneta_bm.ko', info: [], exports: ['mvneta_bm_pool_create'], imports: ['phylink_create'] },
  ];

  it('orders each line nearest users first and writes alias and softdep lines', () => {
    const result = depmod(modules, { order: 'kernel/net/phylink.ko\nkernel/net/mvneta_bm.ko\nkernel/net/mvneta.ko\n' });
    expect(new TextDecoder().decode(result.files.get('modules.dep'))).toBe(
      'kernel/net/phylink.ko:\nkernel/net/mvneta_bm.ko: kernel/net/phylink.ko\nkernel/net/mvneta.ko: kernel/net/mvneta_bm.ko kernel/net/phylink.ko\n',
    );
    expect(new TextDecoder().decode(result.files.get('modules.alias'))).toContain(
      'alias of:N*T*Cmarvell,armada-370-neta mvneta\n',
    );
    expect(new TextDecoder().decode(result.files.get('modules.softdep'))).toContain('softdep mvneta pre: mvneta_bm\n');
  });

  it('refuses a symbol cycle, naming it', () => {
    const cyclic = [
      { path: 'a.ko', info: [], exports: ['sa'], imports: ['sb'] },
      { path: 'b.ko', info: [], exports: ['sb'], imports: ['sa'] },
      { path: 'c.ko', info: [], exports: [], imports: ['sa'] },
    ];
    expect(() => depmod(cyclic)).toThrow(
      expect.objectContaining({
        code: 'KMOD_DEPENDENCY_CYCLE',
        message: expect.stringMatching(/a -> b -> a|b -> a -> b/),
      }),
    );
  });
});

describe('resolution', () => {
  const database = new ModuleDatabase(
    files({
      'modules.dep':
        'kernel/net/phylink.ko:\nkernel/net/mvneta_bm.ko: kernel/net/phylink.ko\nkernel/net/mvneta.ko: kernel/net/mvneta_bm.ko kernel/net/phylink.ko\nkernel/block/nbd.ko:\n',
      'modules.alias': 'alias of:N*T*Cmarvell,armada-370-neta mvneta\nalias block-major-43-* nbd\n',
      'modules.softdep': 'softdep nbd pre: crc32c post: mvneta_bm\n',
      'modules.builtin': 'kernel/crypto/crc32c_generic.ko\n',
      'modules.builtin.modinfo': 'crc32c_generic.alias=crc32c\0crc32c_generic.license=GPL\0',
    }),
  );

  it('loads dependencies deepest first', () => {
    expect(paths(probeList(database, 'mvneta'))).toEqual([
      'kernel/net/phylink.ko',
      'kernel/net/mvneta_bm.ko',
      'kernel/net/mvneta.ko',
    ]);
  });

  it('follows aliases (glob patterns) with - and _ alike', () => {
    expect(paths(probeList(database, 'of:NethernetTCmarvell,armada-370-neta'))).toEqual([
      'kernel/net/phylink.ko',
      'kernel/net/mvneta_bm.ko',
      'kernel/net/mvneta.ko',
    ]);
    expect(paths(probeList(database, 'block-major-43-0'))).toContain('kernel/block/nbd.ko');
    expect(database.module('mvneta-bm')?.path).toBe('kernel/net/mvneta_bm.ko');
  });

  it('puts pre soft dependencies before and post after, built-ins as builtin steps', () => {
    expect(paths(probeList(database, 'nbd'))).toEqual([
      'builtin:crc32c_generic',
      'kernel/block/nbd.ko',
      'kernel/net/phylink.ko',
      'kernel/net/mvneta_bm.ko',
    ]);
  });

  it('resolveModules lists each module once over several queries', () => {
    expect(paths(resolveModules(database, ['mvneta', 'nbd', 'phylink']))).toEqual([
      'kernel/net/phylink.ko',
      'kernel/net/mvneta_bm.ko',
      'kernel/net/mvneta.ko',
      'builtin:crc32c_generic',
      'kernel/block/nbd.ko',
    ]);
  });

  it('reports a missing module with the nearest names', () => {
    expect(() => probeList(database, 'mvnet')).toThrow(
      expect.objectContaining({
        code: 'KMOD_MODULE_NOT_FOUND',
        message: expect.stringContaining('nearest names: mvneta, mvneta_bm'),
      }),
    );
  });

  it('detects a cycle in modules.dep', () => {
    const cyclic = new ModuleDatabase(files({ 'modules.dep': 'a.ko: b.ko\nb.ko: a.ko\n' }));
    expect(() => probeList(cyclic, 'a')).toThrow(
      expect.objectContaining({
        code: 'KMOD_DEPENDENCY_CYCLE',
        message: expect.stringContaining('line 1: dependency cycle: a -> b -> a'),
        source: 'modules.dep',
        offset: 0,
      }),
    );
  });

  it('reports a dependency that modules.dep does not list as a module', () => {
    const broken = new ModuleDatabase(files({ 'modules.dep': 'b.ko:\na.ko: gone.ko\n' }));
    expect(() => probeList(broken, 'a')).toThrow(
      expect.objectContaining({
        code: 'KMOD_DEPENDENCY_NOT_FOUND',
        message: expect.stringContaining('line 2: a (a.ko) needs gone.ko'),
        offset: 6,
      }),
    );
  });

  it('reports a module file missing from the tree with the modules.dep line naming it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'initkit-kmod-missing-'));
    try {
      writeFileSync(join(directory, 'b.ko'), buildFakeModule());
      const database = new ModuleDatabase(files({ 'modules.dep': 'b.ko:\na.ko: b.ko\n' }));
      const steps = probeList(database, 'a');
      expect(() => assertModuleFilesExist(directory, database, steps)).toThrow(
        expect.objectContaining({
          code: 'KMOD_FILE_NOT_FOUND',
          message: expect.stringContaining('modules.dep line 2 names a.ko'),
          offset: 6,
          source: join(directory, 'modules.dep'),
        }),
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('reports a malformed modules.dep line with its line number and offset', () => {
    expect(() => parseModulesDep('a.ko:\nthis line has no colon\n')).toThrow(
      expect.objectContaining({ code: 'KMOD_BAD_LINE', offset: 6, message: expect.stringContaining('line 2') }),
    );
  });
});

describe('fnmatch and vermagic', () => {
  it.each([
    ['pci:v00008086d*sv*sd*bc*sc*i*', 'pci:v00008086d00001234sv0sd0bc02sc00i00', true],
    ['usb:v*p*d*dc*dsc*dp*ic09isc*ip*in*', 'usb:v1D6Bp0002d0601dc09dsc00dp01ic09isc00ip00in00', true],
    ['acpi*:PNP0[Aa]0[38]:*', 'acpi:PNP0a03:', true],
    ['acpi*:PNP0[Aa]0[38]:*', 'acpi:PNP0a05:', false],
    ['of:N*T*C[!x]', 'of:NaTbCy', true],
    ['of:N*T*C[!x]', 'of:NaTbCx', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a?c', 'abc', true],
    ['nbd', 'nbd0', false],
  ])('fnmatch(%s, %s) is %s', (pattern, text, expected) => {
    expect(fnmatch(pattern, text)).toBe(expected);
  });

  it('matches in linear-ish time even for patterns made to backtrack', () => {
    const pattern = `${'a*'.repeat(30)}b`;
    expect(fnmatch(pattern, 'a'.repeat(5000))).toBe(false);
    expect(fnmatch(pattern, `${'a'.repeat(5000)}b`)).toBe(true);
  });

  it('checkVermagic lists modules built for another release', () => {
    expect(
      checkVermagic(
        [
          { name: 'a', vermagic: '6.1.0-56-amd64 SMP preempt mod_unload modversions ' },
          { name: 'b', vermagic: '6.1.0-50-amd64 SMP preempt mod_unload modversions ' },
          { name: 'c', vermagic: undefined },
        ],
        '6.1.0-56-amd64',
      ),
    ).toEqual([
      { name: 'b', builtFor: '6.1.0-50-amd64', reason: 'release' },
      { name: 'c', builtFor: '', reason: 'missing' },
    ]);
  });
});
