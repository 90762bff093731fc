/**
 * Profiles: the shipped files parse and say why each module is there; resolution on a small in-memory
 * module database covers dependencies, pre/post soft dependencies, aliases, built-ins, optional and
 * missing modules; the ELF reader agrees with readelf on a real dynamic program; the kernel config
 * decides the default compression.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleDatabase } from '@initkit/kmod';
import { describe, expect, it } from 'vitest';
import { run } from '../../../test/harness/run.js';
import { hasTools } from '../../../test/harness/tools.js';
import { readElfInfo } from '../src/build/elf-info.js';
import { defaultCompression, parseKernelConfig } from '../src/build/kernel-config.js';
import { profileDirectory } from '../src/build/node/profiles.js';
import { parseProfile } from '../src/build/profile.js';
import { formatChain, resolveProfiles } from '../src/build/resolve-profile.js';

const database = new ModuleDatabase(
  new Map<string, string>([
    [
      'modules.dep',
      [
        'kernel/nvme.ko: kernel/nvme-core.ko kernel/t10-pi.ko kernel/crc-t10dif.ko',
        'kernel/nvme-core.ko: kernel/t10-pi.ko kernel/crc-t10dif.ko',
        'kernel/t10-pi.ko: kernel/crc-t10dif.ko',
        'kernel/crc-t10dif.ko:',
        'kernel/crct10dif_generic.ko:',
        'kernel/ipmi_msghandler.ko:',
        'kernel/ipmi_devintf.ko: kernel/ipmi_msghandler.ko',
        'kernel/virtio_blk.ko:',
        '',
      ].join('\n'),
    ],
    ['modules.softdep', 'softdep crc_t10dif pre: crct10dif\nsoftdep ipmi_msghandler post: ipmi_devintf\n'],
    ['modules.alias', 'alias crct10dif crct10dif_generic\nalias virtio:d00000002v* virtio_blk\n'],
    ['modules.builtin', 'kernel/fs/ext4/ext4.ko\n'],
  ]),
);

describe('profiles', () => {
  it('every shipped profile parses, and every module line says why', () => {
    const names = readdirSync(profileDirectory()).filter((name) => name.endsWith('.profile'));
    expect(names.sort()).toEqual(
      ['azure', 'btrfs', 'ec2-nitro', 'ec2-xen', 'ext4', 'gce', 'scaleway-c1', 'virtio', 'xfs'].map(
        (n) => `${n}.profile`,
      ),
    );
    for (const name of names) {
      const profile = parseProfile(name, readFileSync(join(profileDirectory(), name), 'utf8'));
      expect(profile.modules.length).toBeGreaterThan(0);
      for (const module of profile.modules) expect(module.reason.length).toBeGreaterThan(10);
    }
  });

  it('rejects a module line without a reason, an unknown statement and an unknown feature, naming the line', () => {
    expect(() => parseProfile('p', '# ok\nmodule nvme\n')).toThrow('profile p line 2: module nvme must say why');
    expect(() => parseProfile('p', 'load nvme x\n')).toThrow('line 1: unknown statement load');
    expect(() => parseProfile('p', 'init wifi\n')).toThrow('unknown init feature wifi');
  });

  it('resolves dependencies deepest first, pre soft dependencies before, post after, each once', () => {
    const profile = parseProfile('t', 'module nvme disks\nmodule ipmi_msghandler power\nmodule nvme again\n');
    const chain = resolveProfiles(database, [profile]);
    expect(chain.modules.map((m) => [m.name, m.reason])).toEqual([
      ['crct10dif_generic', 'soft dependency (pre) of crc_t10dif'],
      ['crc_t10dif', 'dependency of nvme'],
      ['t10_pi', 'dependency of nvme'],
      ['nvme_core', 'dependency of nvme'],
      ['nvme', 'disks'],
      ['ipmi_msghandler', 'power'],
      ['ipmi_devintf', 'soft dependency (post) of ipmi_msghandler'],
    ]);
  });

  it('resolves aliases, reports built-ins, skips a missing optional module', () => {
    const profile = parseProfile(
      't',
      'module virtio:d00000002v00001AF4 disk\nmodule ext4 fs\noptional xen-blkfront xen\n',
    );
    const chain = resolveProfiles(database, [profile]);
    expect(chain.modules.map((m) => `${m.kind} ${m.name}`)).toEqual(['insmod virtio_blk', 'builtin ext4']);
    expect(chain.skipped).toEqual([{ profile: 't', name: 'xen-blkfront', reason: 'xen' }]);
    expect(formatChain(chain)).toContain('skipped xen-blkfront  # optional, not in this kernel: xen [t]');
  });

  it('a missing required module names the profile line, the reason and the nearest names', () => {
    const profile = parseProfile('cloud', '\nmodule nvme_cor the core\n');
    expect(() => resolveProfiles(database, [profile])).toThrow(
      'profile cloud line 2: module nvme_cor (the core): the kernel has no module, alias or built-in named nvme_cor; nearest names: nvme_core',
    );
  });
});

describe('kernel config and ELF', () => {
  it('the default compression is the first encodable one the config enables', () => {
    const kernel = parseKernelConfig('CONFIG_X86_64=y\nCONFIG_RD_XZ=y\nCONFIG_RD_LZ4=y\n# CONFIG_RD_GZIP is not set\n');
    expect(kernel).toMatchObject({ machine: 62, compressions: ['none', 'xz', 'lz4'] });
    expect(defaultCompression(['gzip', 'lzma', 'lz4', 'none'], kernel)).toBe('lz4');
    expect(defaultCompression(['gzip', 'lzma', 'lz4', 'none'], undefined)).toBe('gzip');
  });

  it.runIf(hasTools('readelf'))('reads PT_INTERP and DT_NEEDED as readelf does', () => {
    const program = '/usr/sbin/nbd-client';
    const info = readElfInfo(new Uint8Array(readFileSync(program)), program);
    const dynamic = run('readelf', ['-d', '-l', '-W', program]).stdout;
    const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(info.needed).toEqual(needed);
    expect(info.interpreter).toBe(/Requesting program interpreter: ([^\]]+)\]/.exec(dynamic)?.[1]);
    expect(info.machine).toBe(62);
  });
});
