/**
 * The oracle for @initkit/bootscript: the real U-Boot 2023.01 (Debian's qemu_arm build in QEMU) runs
 * the script corpus of fixtures/bootscript (images made by mkimage) from QEMU's TFTP server, and every
 * script's BootPlan must match what U-Boot did: the files fetched in order with their addresses and
 * sizes, the final environment and hush variables (printenv, showvar), the echoed lines, and the
 * addresses the boot command used. One QEMU boot runs the whole corpus; a second one boots a fake
 * kernel with a real device tree to see the boot command go all the way to "Starting kernel". A third
 * runs the real-world scripts of fixtures/bootscript/real-world (flash-kernel, Armbian, Arch Linux ARM
 * shapes) from an ext2 partition on a virtio disk, as distro boot sources them: `load`, `test -e`,
 * `env import -t` and `part uuid` against what U-Boot read and set.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type BootPlan, evaluate, unwrapScriptImage, wrapScriptImage } from '@initkit/bootscript';
import { createUImage } from '@initkit/uimage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasQemuUBoot, QEMU_GUEST_IP, QEMU_HOST_IP, UBootSession } from '../harness/qemu-uboot.js';
import { repoRoot, runOk } from '../harness/run.js';
import { useTempDir } from '../harness/temp.js';
import { hasTools } from '../harness/tools.js';

const fixtures = join(repoRoot, 'fixtures/bootscript');
const SCRIPT_BASE = 0x50000000;
const FDT_ADDRESS = '0x43000000';

/** A zImage header around `b .`: bootz accepts it, and it spins if ever started. */
function fakeZImage(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0xeafffffe, true);
  view.setUint32(0x24, 0x016f2818, true);
  view.setUint32(0x2c, size, true);
  return bytes;
}

function pattern(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
}

/** The files the corpus loads. Device trees are not valid here, so U-Boot's boot command stops early. */
function bootFiles(): Record<string, Uint8Array> {
  const ramdisk = createUImage({
    data: pattern(3000, 1),
    arch: 'arm',
    os: 'linux',
    type: 'ramdisk',
    compression: 'none',
    name: 'initramfs',
    time: 0,
  });
  return {
    zImage: fakeZImage(4096),
    'vmlinuz-6.1.0-armmp': fakeZImage(8192),
    'kernel/armv7l-4.5.7-std-1': createUImage({
      data: fakeZImage(4096),
      arch: 'arm',
      os: 'linux',
      type: 'kernel',
      compression: 'none',
      load: 0x48000000,
      name: 'fake kernel',
      time: 0,
    }),
    uInitrd: ramdisk,
    'initrd/uInitrd-Linux-armv7l-v3.12': ramdisk,
    'initrd.img-6.1.0-armmp': pattern(3001, 2),
    'dtb/scaleway-c1.dtb': pattern(512, 3),
    'dtb/test.dtb': pattern(512, 3),
    'dtbs/6.1.0-armmp/test.dtb': pattern(600, 4),
  };
}

function writeTree(root: string, files: Record<string, Uint8Array>): void {
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), bytes);
  }
}

/** `printenv` output: name=value entries, `\` escaping backslashes and newlines inside values. */
function parsePrintenv(text: string): Record<string, string> {
  const body = text.replace(/\n*Environment size: .*$/s, '');
  const env: Record<string, string> = {};
  let entry = '';
  const flush = () => {
    if (entry === '') return;
    const equals = entry.indexOf('=');
    env[entry.slice(0, equals)] = entry.slice(equals + 1);
    entry = '';
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '\\' && i + 1 < body.length) entry += body[++i];
    else if (ch === '\n') flush();
    else entry += ch;
  }
  flush();
  return env;
}

function parseShowvar(text: string): Record<string, string> {
  const locals: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const equals = line.indexOf('=');
    if (equals > 0 && !line.startsWith('HUSH_VERSION=')) locals[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return locals;
}

/** Successful TFTP transfers in a serial log: file, load address, size. */
function tftpLoads(log: string): { file: string; address: string; size: number }[] {
  const loads: { file: string; address: string; size: number }[] = [];
  const transfer =
    /Filename '([^']*)'\.\nLoad address: (0x[0-9a-f]+)\n(?:(?!Filename ')[\s\S])*?Bytes transferred = (\d+)/g;
  for (const match of log.matchAll(transfer)) {
    loads.push({ file: match[1] as string, address: match[2] as string, size: Number(match[3]) });
  }
  return loads;
}

function hex8(address: string): string {
  return Number.parseInt(address, 16).toString(16).padStart(8, '0');
}

function isSubsequence(needles: string[], haystack: string[]): boolean {
  let at = 0;
  for (const line of haystack) if (at < needles.length && line === needles[at]) at++;
  return at === needles.length;
}

interface CaseResult {
  name: string;
  plan: BootPlan;
  envAfter: Record<string, string>;
  localsAfter: Record<string, string>;
  output: string;
}

const CASES: { name: string; env: Record<string, string> }[] = [
  { name: 'scaleway', env: {} },
  { name: 'armbian', env: {} },
  { name: 'distro', env: { console: 'ttyAMA0' } },
  { name: 'fallback', env: {} },
  { name: 'hush-quirks', env: {} },
  { name: 'loops', env: {} },
];

describe.runIf(hasQemuUBoot())('bootscript against U-Boot 2023.01 in QEMU', () => {
  const temp = useTempDir('initkit-bootscript-oracle-');
  const results = new Map<string, CaseResult>();
  let session: UBootSession | undefined;

  beforeAll(async () => {
    const tftpDir = join(temp(), 'tftp');
    const files = bootFiles();
    writeTree(tftpDir, files);
    for (const image of readdirSync(join(fixtures, 'images'))) {
      writeFileSync(join(tftpDir, image), readFileSync(join(fixtures, 'images', image)));
    }
    const sizes = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.length]));
    session = await UBootSession.start({ tftpDir });
    await session.run(`setenv ipaddr ${QEMU_GUEST_IP}; setenv serverip ${QEMU_HOST_IP}`);
    for (const [index, { name }] of CASES.entries()) {
      const address = (SCRIPT_BASE + index * 0x10000).toString(16);
      expect(await session.run(`tftp ${address} ${name}.scr`)).toContain('Bytes transferred');
    }
    for (const [index, { name, env }] of CASES.entries()) {
      const address = (SCRIPT_BASE + index * 0x10000).toString(16);
      await session.run('env default -a -f');
      const setup = {
        ipaddr: QEMU_GUEST_IP,
        serverip: QEMU_HOST_IP,
        fdt_addr_r: FDT_ADDRESS,
        fdtfile: 'test.dtb',
        ...env,
      };
      await session.run(
        Object.entries(setup)
          .map(([key, value]) => `setenv ${key} ${value}`)
          .join('; '),
      );
      const envBefore = parsePrintenv(await session.run('printenv'));
      const localsBefore = parseShowvar(await session.run('showvar'));
      const output = await session.run(`source ${address}`, { timeoutMs: 60_000 });
      const envAfter = parsePrintenv(await session.run('printenv'));
      const localsAfter = parseShowvar(await session.run('showvar'));
      const text = unwrapScriptImage(readFileSync(join(fixtures, 'images', `${name}.scr`))).text;
      const plan = evaluate(text, {
        defaultEnv: envBefore,
        locals: localsBefore,
        files: sizes,
        netDevice: 'virtio-net#31',
      });
      results.set(name, { name, plan, envAfter, localsAfter, output });
    }
  }, 240_000);

  afterAll(async () => {
    await session?.close();
  });

  it.each(CASES.map((c) => c.name))(
    '%s: the same files are fetched in the same order to the same addresses',
    (name) => {
      const result = results.get(name) as CaseResult;
      const expected = result.plan.loads.map((load) => ({ file: load.file, address: load.address, size: load.size }));
      expect(expected.length).toBeGreaterThan(name === 'hush-quirks' || name === 'loops' ? -1 : 0);
      expect(tftpLoads(result.output)).toEqual(expected);
    },
  );

  it.each(CASES.map((c) => c.name))(
    '%s: the final environment and hush variables match printenv and showvar',
    (name) => {
      const result = results.get(name) as CaseResult;
      expect(result.plan.env).toEqual(result.envAfter);
      expect(result.plan.locals).toEqual(result.localsAfter);
    },
  );

  it.each(CASES.map((c) => c.name))('%s: echoed lines appear in the serial log in order', (name) => {
    const result = results.get(name) as CaseResult;
    const echoed = result.plan.commands
      .filter((command) => command.name === 'echo')
      .map((command) => command.args.join(' '));
    expect(isSubsequence(echoed, result.output.split('\n'))).toBe(true);
  });

  it('the boot commands use the addresses the plan resolved', () => {
    const scaleway = results.get('scaleway') as CaseResult;
    expect(scaleway.plan.boot).toMatchObject({
      command: 'bootm',
      kernel: { address: '0x40400000', file: 'kernel/armv7l-4.5.7-std-1' },
      initrd: { address: '0x44000000', file: 'initrd/uInitrd-Linux-armv7l-v3.12' },
      fdt: { address: FDT_ADDRESS, file: 'dtb/scaleway-c1.dtb' },
    });
    expect(scaleway.output).toContain(`## Booting kernel from Legacy Image at ${hex8('0x40400000')}`);
    expect(scaleway.output).toContain(`## Loading init Ramdisk from Legacy Image at ${hex8('0x44000000')}`);

    const armbian = results.get('armbian') as CaseResult;
    expect(armbian.plan.boot).toMatchObject({
      command: 'bootz',
      kernel: { address: '0x40400000', file: 'zImage' },
      initrd: { address: '0x44000000', file: 'uInitrd' },
      fdt: { address: FDT_ADDRESS, file: 'dtb/test.dtb' },
    });
    expect(armbian.output).toContain('Kernel image @ 0x40400000');
    expect(armbian.plan.bootargs).toBe(armbian.envAfter.bootargs);

    const fallback = results.get('fallback') as CaseResult;
    expect(fallback.plan.boot?.initrd).toEqual({
      address: '0x44000000',
      file: 'initrd.img-6.1.0-armmp',
      size: (3001).toString(16),
    });
    expect(fallback.output).toContain("TFTP error: 'File not found'");
  });

  it('old hush quirks came out as U-Boot computed them', () => {
    const { plan } = results.get('hush-quirks') as CaseResult;
    expect(plan.env).toMatchObject({
      single: 'ab',
      double: 'c\\d',
      dollar: 'e\\$f',
      plus_set: '',
      plus_unset: 'word',
      minus_unset: 'fallback',
      dash_form: '',
      from_local: 'made',
      words: '1,2,3,',
      after_hash: 'before',
      joined: 'one \ntwo',
      cut: 'x y',
      empty: '',
      after_exit: 'still running',
    });
    expect(plan.env).not.toHaveProperty('chain1');
    expect(plan.env).not.toHaveProperty('chain2');
    expect(plan.env).not.toHaveProperty('test_n_empty');
    expect(plan.env).not.toHaveProperty('test_one_arg');
    expect(plan.locals).toMatchObject({ created: 'made', lv: 'local-value', w: '3' });
  });
});

describe.runIf(hasQemuUBoot() && hasTools('dtc'))('a boot command that reaches the kernel', () => {
  const temp = useTempDir('initkit-bootscript-boot-');

  it('bootz with a raw initrd and a real device tree starts the kernel at the planned addresses', async () => {
    const tftpDir = join(temp(), 'tftp');
    const files = bootFiles();
    const dtsPath = join(temp(), 'test.dts');
    writeFileSync(
      dtsPath,
      '/dts-v1/;\n/ { compatible = "initkit,test"; #address-cells = <1>; #size-cells = <1>; chosen { }; };\n',
    );
    files['dtbs/6.1.0-armmp/test.dtb'] = new Uint8Array(runOk('dtc', ['-I', 'dts', '-O', 'dtb', dtsPath]).stdoutBytes);
    writeTree(tftpDir, files);
    writeFileSync(join(tftpDir, 'distro.scr'), readFileSync(join(fixtures, 'images/distro.scr')));
    const text = unwrapScriptImage(readFileSync(join(fixtures, 'images/distro.scr'))).text;
    const env = { ipaddr: QEMU_GUEST_IP, serverip: QEMU_HOST_IP, fdt_addr_r: FDT_ADDRESS, fdtfile: 'test.dtb' };
    const plan = evaluate(text, {
      env,
      files: Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.length])),
    });
    const session = await UBootSession.start({ tftpDir });
    try {
      await session.run(
        Object.entries(env)
          .map(([key, value]) => `setenv ${key} ${value}`)
          .join('; '),
      );
      await session.run('tftp 50000000 distro.scr');
      const log = await session.run('source 50000000', { until: 'Starting kernel ...', timeoutMs: 60_000 });
      expect(plan.boot?.command).toBe('bootz');
      expect(log).toContain(`Kernel image @ ${plan.boot?.kernel?.address}`);
      expect(log).toContain(`Booting using the fdt blob at ${plan.boot?.fdt?.address}`);
      expect(plan.boot?.initrd).toEqual({ address: '0x44000000', file: 'initrd.img-6.1.0-armmp', size: 'bb9' });
    } finally {
      await session.close();
    }
  }, 120_000);
});

/** The files the real-world scripts read from their boot partition (paths as the scripts name them). */
function partitionFiles(): Record<string, Uint8Array> {
  return {
    'boot/vmlinuz-6.1.0-57-armmp': fakeZImage(8192),
    'boot/dtbs/6.1.0-57-armmp/test.dtb': pattern(600, 4),
    'boot/initrd.img-6.1.0-57-armmp': pattern(3001, 2),
    'boot/armbianEnv.txt': readFileSync(join(fixtures, 'real-world/armbianEnv.txt')),
    'boot/zImage': fakeZImage(4096),
    'boot/uInitrd': pattern(2999, 5),
    'boot/dtb/test.dtb': pattern(512, 3),
    'boot/dtbs/test.dtb': pattern(520, 6),
    'boot/initramfs-linux.img': pattern(3003, 7),
  };
}

/** A raw disk: an MBR with one Linux partition at 1 MiB (disk signature `signature`) holding an ext2 of `tree`. */
function makeDisk(path: string, tree: string, signature: number): void {
  const offset = 1 << 20;
  const sectors = (32 << 20) / 512;
  runOk('mke2fs', ['-F', '-q', '-t', 'ext2', '-d', tree, '-E', `offset=${offset}`, path, '32M']);
  const mbr = new Uint8Array(512);
  const view = new DataView(mbr.buffer);
  view.setUint32(0x1b8, signature, true);
  mbr[0x1be + 4] = 0x83;
  view.setUint32(0x1be + 8, offset / 512, true);
  view.setUint32(0x1be + 12, sectors, true);
  mbr[0x1fe] = 0x55;
  mbr[0x1ff] = 0xaa;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, mbr, 0, 512, 0);
  } finally {
    closeSync(fd);
  }
}

const REAL_WORLD = ['flash-kernel-generic.txt', 'armbian-boot.cmd', 'archlinuxarm-boot.txt'];

describe.runIf(hasQemuUBoot() && hasTools('mke2fs'))('real-world scripts from a virtio disk in U-Boot 2023.01', () => {
  const temp = useTempDir('initkit-bootscript-disk-');

  it('loads, test -e, env import -t and part uuid agree with U-Boot for each script', async () => {
    const tree = join(temp(), 'partition');
    const files = partitionFiles();
    writeTree(tree, files);
    for (const [index, name] of REAL_WORLD.entries()) {
      const text = readFileSync(join(fixtures, 'real-world', name), 'utf8');
      writeFileSync(join(tree, `boot/script${index}.scr`), wrapScriptImage(text, { time: 0 }));
    }
    const disk = join(temp(), 'disk.img');
    makeDisk(disk, tree, 0x1234abcd);
    const tftpDir = join(temp(), 'tftp');
    mkdirSync(tftpDir);
    const session = await UBootSession.start({
      tftpDir,
      extraArgs: ['-drive', `if=none,file=${disk},format=raw,id=hd0`, '-device', 'virtio-blk-device,drive=hd0'],
    });
    try {
      await session.run('virtio scan');
      const distro = { devtype: 'virtio', devnum: '0', distro_bootpart: '1', bootpart: '1', prefix: '/boot/' };
      for (const [index, name] of REAL_WORLD.entries()) {
        await session.run('env default -a -f');
        const setup = { ...distro, fdt_addr_r: FDT_ADDRESS, fdtfile: 'test.dtb', console: 'ttyAMA0' };
        await session.run(
          Object.entries(setup)
            .map(([key, value]) => `setenv ${key} ${value}`)
            .join('; '),
        );
        const envBefore = parsePrintenv(await session.run('printenv'));
        expect(await session.run(`load virtio 0:1 0x50000000 /boot/script${index}.scr`)).toMatch(/bytes read/);
        await session.run(`setenv filesize; setenv fileaddr`);
        const output = await session.run('source 0x50000000', { timeoutMs: 60_000 });
        const envAfter = parsePrintenv(await session.run('printenv'));
        const plan = evaluate(readFileSync(join(fixtures, 'real-world', name), 'utf8'), {
          defaultEnv: { ...envBefore },
          files: (file) => files[file.replace(/^\//, '')] ?? null,
          partitionUuids: { 'virtio 0:1': '1234abcd-01' },
        });
        const read = [...output.matchAll(/(\d+) bytes read in/g)].map((match) => Number(match[1]));
        expect({ name, read }).toEqual({ name, read: plan.loads.map((load) => load.size) });
        expect({ name, env: plan.env }).toEqual({ name, env: envAfter });
      }
    } finally {
      await session.close();
    }
  }, 240_000);
});
