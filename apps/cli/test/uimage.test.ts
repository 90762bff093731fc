import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCH_CODES, COMP_CODES, OS_CODES } from '@initkit/uimage';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot, run, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

const tempDir = useTempDir();
const fixture = (name: string) => join(repoRoot, 'fixtures/uimage', name);

describe('initkit uimage (no oracle needed)', () => {
  it('list prints the fixture listing and --json the fields', () => {
    const listed = initkit(['uimage', 'list', fixture('multi.uimg')], { env: { TZ: 'UTC' } });
    expect(listed.status).toBe(0);
    expect(listed.stdout).toBe(readFileSync(fixture('multi.list'), 'utf8'));
    const json = JSON.parse(initkit(['uimage', 'list', '--json', fixture('multi.uimg')]).stdout);
    expect(json).toMatchObject({ name: 'multi', type: { code: 4, name: 'multi' }, size: 44, dataCrcOk: true });
    // One shape for a coded field everywhere: { code, name }.
    for (const field of ['os', 'arch', 'type', 'compression'])
      expect(Object.keys(json[field])).toEqual(['code', 'name']);
    expect(json.files[0].offset).toBe(64 + 4 * 4);
    expect(json.files.map((file: { size: number }) => file.size)).toEqual([2, 5, 16]);
  });

  it.each([
    ['bad magic', 0, 'UIMAGE_BAD_MAGIC'],
    ['bad header CRC', 20, 'UIMAGE_BAD_HCRC'],
    ['bad data CRC', 100, 'UIMAGE_BAD_DCRC'],
  ])('%s: exit 1, one line on stderr, nothing written', (_label, offset, code) => {
    const bad = join(tempDir(), `bad-${offset}.uimg`);
    const bytes = readFileSync(fixture('script.uimg'));
    bytes[offset]! ^= 0x10;
    writeFileSync(bad, bytes);
    const out = join(tempDir(), `out-${offset}`);
    for (const args of [
      ['list', bad],
      ['extract', '-o', out, bad],
    ]) {
      const result = initkit(['uimage', ...args]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(code);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('truncated payload and files under 64 bytes: exit 1 naming the problem', () => {
    const bytes = readFileSync(fixture('kernel.uimg'));
    for (const length of [bytes.length - 1, 63, 0]) {
      const path = join(tempDir(), `short-${length}`);
      writeFileSync(path, bytes.subarray(0, length));
      const result = initkit(['uimage', 'list', path]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/UIMAGE_TRUNCATED/);
    }
  });

  it('usage errors exit 2', () => {
    expect(initkit(['uimage', 'list']).status).toBe(2);
    expect(initkit(['uimage', 'create', '-A', 'vax', '-d', fixture('one.bin'), join(tempDir(), 'x')]).status).toBe(2);
    expect(initkit(['uimage', 'create', '-a', 'zz', '-d', fixture('one.bin'), join(tempDir(), 'x')]).status).toBe(2);
    expect(initkit(['uimage', 'create', join(tempDir(), 'x')]).status).toBe(2);
    expect(existsSync(join(tempDir(), 'x'))).toBe(false);
  });
});

/** mkimage prints a pointer for later files of script images ("Offset = 0x7f..."), unreproducible by design. */
const withoutAddresses = (listing: string) => listing.replace(/^ {4}Offset = 0x[0-9a-f]+$/gm, '    Offset = <address>');

describe.runIf(hasTools('mkimage', 'dumpimage'))('initkit uimage against mkimage and dumpimage', () => {
  const names = (table: readonly { short: string }[]) =>
    table.map((item) => item.short).filter((name) => name !== 'invalid');
  const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata'];

  it('create and list equal mkimage on random inputs', () => {
    const directory = tempDir();
    fc.assert(
      fc.property(
        fc.record({
          arch: fc.constantFrom(...names(ARCH_CODES)),
          os: fc.constantFrom(...names(OS_CODES)),
          type: fc.constantFrom(
            'kernel',
            'ramdisk',
            'multi',
            'script',
            'firmware',
            'standalone',
            'filesystem',
            'kernel_noload',
          ),
          comp: fc.constantFrom(...names(COMP_CODES)),
          load: fc.option(
            fc.nat({ max: 0xffffffff }).map((n) => n.toString(16)),
            { nil: undefined },
          ),
          entry: fc.option(
            fc.nat({ max: 0xffffffff }).map((n) => `0x${n.toString(16)}`),
            { nil: undefined },
          ),
          name: fc.option(fc.stringMatching(/^[A-Za-z0-9 ._-]{1,40}$/), { nil: undefined }),
          sizes: fc.array(
            fc.nat(3000).map((n) => n + 1),
            { minLength: 1, maxLength: 3 },
          ),
          epoch: fc.nat({ max: 0xffffffff }),
          zone: fc.constantFrom(...zones),
        }),
        (input) => {
          const sizes = input.type === 'multi' || input.type === 'script' ? input.sizes : input.sizes.slice(0, 1);
          const files = sizes.map((size, index) => {
            const path = join(directory, `data${index}`);
            writeFileSync(path, randomBytes(size));
            return path;
          });
          const flags = ['-A', input.arch, '-O', input.os, '-T', input.type, '-C', input.comp, '-d', files.join(':')];
          if (input.load !== undefined) flags.push('-a', input.load);
          if (input.entry !== undefined) flags.push('-e', input.entry);
          if (input.name !== undefined) flags.push('-n', input.name);
          const env = { SOURCE_DATE_EPOCH: String(input.epoch), TZ: input.zone };
          const theirs = runOk('mkimage', [...flags, join(directory, 'theirs.img')], { env });
          const ours = initkit(['uimage', 'create', ...flags, join(directory, 'ours.img')], { env });
          expect(ours.stderr).toBe('');
          expect(ours.status).toBe(0);
          expect(readFileSync(join(directory, 'ours.img')).equals(readFileSync(join(directory, 'theirs.img')))).toBe(
            true,
          );
          expect(withoutAddresses(ours.stdout)).toBe(withoutAddresses(theirs.stdout));
          const listed = initkit(['uimage', 'list', join(directory, 'theirs.img')], { env });
          const listedByMkimage = runOk('mkimage', ['-l', join(directory, 'theirs.img')], { env }).stdout;
          expect(withoutAddresses(listed.stdout)).toBe(withoutAddresses(listedByMkimage));
          expect(listed.stdout.split('\n').length).toBe(listedByMkimage.split('\n').length);
        },
      ),
      { numRuns: 40 },
    );
    // 40 runs of four processes each: ~30 s on a loaded machine, more than the default timeout.
  }, 300_000);

  it('execute-in-place images equal mkimage -x', () => {
    const data = join(tempDir(), 'xip.bin');
    writeFileSync(data, Buffer.concat([Buffer.alloc(64, 0xff), randomBytes(333)]));
    for (const extra of [[], ['-e', '2000']]) {
      const flags = [
        '-A',
        'arm',
        '-O',
        'linux',
        '-T',
        'kernel',
        '-C',
        'none',
        '-a',
        '1000',
        '-x',
        ...extra,
        '-d',
        data,
      ];
      const env = { SOURCE_DATE_EPOCH: '1700000000' };
      runOk('mkimage', [...flags, join(tempDir(), 'xip-theirs')], { env });
      expect(initkit(['uimage', 'create', ...flags, join(tempDir(), 'xip-ours')], { env }).status).toBe(0);
      expect(readFileSync(join(tempDir(), 'xip-ours')).equals(readFileSync(join(tempDir(), 'xip-theirs')))).toBe(true);
    }
  });

  it('extract equals dumpimage for every file of multi, script and ramdisk images', () => {
    const cases: [string, string, number][] = [
      ['multi.uimg', 'multi', 0],
      ['multi.uimg', 'multi', 1],
      ['multi.uimg', 'multi', 2],
      ['script.uimg', 'script', 0],
      ['ramdisk-gzip.uimg', 'ramdisk', 0],
      ['kernel.uimg', 'kernel', 1],
    ];
    for (const [image, type, position] of cases) {
      const theirs = join(tempDir(), `dump-${image}-${position}`);
      const ours = join(tempDir(), `ours-${image}-${position}`);
      runOk('dumpimage', ['-T', type, '-p', String(position), '-o', theirs, fixture(image)]);
      expect(initkit(['uimage', 'extract', '-p', String(position), '-o', ours, fixture(image)]).status).toBe(0);
      expect(readFileSync(ours).equals(readFileSync(theirs))).toBe(true);
    }
  });

  it('mkimage 2023.01 itself does not fail on a damaged image (it falls back to another format); initkit does', () => {
    const bad = join(tempDir(), 'damaged.uimg');
    const bytes = readFileSync(fixture('kernel.uimg'));
    bytes[70]! ^= 1;
    writeFileSync(bad, bytes);
    expect(run('mkimage', ['-l', bad]).stdout).not.toContain('Image Name:');
    expect(initkit(['uimage', 'list', bad]).status).toBe(1);
  });

  it('extract past the last file fails (exit 1), as dumpimage fails; the output is created 0600 as dumpimage does', () => {
    const ours = initkit(['uimage', 'extract', '-p', '9', '-o', join(tempDir(), 'p9'), fixture('multi.uimg')]);
    const theirs = run('dumpimage', [
      '-T',
      'multi',
      '-p',
      '9',
      '-o',
      join(tempDir(), 'p9-dump'),
      fixture('multi.uimg'),
    ]);
    expect(theirs.status).not.toBe(0);
    expect(ours.status).toBe(1);
    expect(ours.stderr).toBe(
      `initkit: no file 9 in ${fixture('multi.uimg')}: it holds 3 (positions 0..2) [UIMAGE_NO_SUCH_FILE]\n`,
    );
    expect(existsSync(join(tempDir(), 'p9'))).toBe(false);
    runOk('dumpimage', ['-T', 'multi', '-p', '1', '-o', join(tempDir(), 'm1-dump'), fixture('multi.uimg')]);
    expect(initkit(['uimage', 'extract', '-p', '1', '-o', join(tempDir(), 'm1'), fixture('multi.uimg')]).status).toBe(
      0,
    );
    expect(statSync(join(tempDir(), 'm1')).mode & 0o777).toBe(statSync(join(tempDir(), 'm1-dump')).mode & 0o777);
  });

  it('create: -q prints nothing, -V the version, -T/-A/-O/-C list the names mkimage lists; modes as mkimage under the umask', () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const data = fixture('one.bin');
    for (const umask of ['022', '077']) {
      const ours = join(tempDir(), `q-${umask}.uimg`);
      const theirs = join(tempDir(), `q-${umask}-mk.uimg`);
      const flags = ['-A', 'arm', '-O', 'linux', '-T', 'ramdisk', '-C', 'none', '-n', 'q', '-d', data];
      const cli = join(repoRoot, 'apps/cli/bin/initkit.cjs');
      const quiet = run(
        'sh',
        ['-c', `umask ${umask}; exec "$0" "$@"`, process.execPath, cli, 'uimage', 'create', '-q', ...flags, ours],
        { env },
      );
      expect(quiet.status, quiet.stderr).toBe(0);
      expect(quiet.stdout).toBe('');
      runOk('sh', ['-c', `umask ${umask}; exec mkimage "$@" >/dev/null`, 'mkimage', ...flags, theirs], { env });
      expect(readFileSync(ours).equals(readFileSync(theirs))).toBe(true);
      expect(statSync(ours).mode & 0o777).toBe(statSync(theirs).mode & 0o777);
    }
    const version = initkit(['uimage', 'create', '-V']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^initkit version \d+\.\d+\.\d+/);
    expect(run('mkimage', ['-V']).stdout).toMatch(/^mkimage version /);
    for (const flag of ['-T', '-A', '-O', '-C']) {
      const ours = initkit(['uimage', 'create', flag, 'list']);
      expect(ours.status).toBe(0);
      // mkimage 2023.01 prints the table on stderr; it exits 0 for -T list but 1 for the others.
      const native = run('mkimage', [flag, 'list']);
      const nativeLines = new Set(native.stderr.split('\n'));
      const lines = ours.stdout.split('\n').filter((line) => line.startsWith('\t'));
      expect(lines.length).toBeGreaterThan(3);
      // Every name initkit offers, mkimage lists the same way (mkimage also lists non-legacy types).
      const missing = lines.filter((line) => !nativeLines.has(line));
      expect(missing).toEqual([]);
    }
  });

  it('a missing -d file names the file and its role (exit 1), as mkimage refuses it', () => {
    const missing = join(tempDir(), 'nonexist');
    const out = join(tempDir(), 'never.uimg');
    const ours = initkit(['uimage', 'create', '-A', 'arm', '-T', 'ramdisk', '-d', missing, out]);
    expect(ours.status).toBe(1);
    expect(ours.stderr).toBe(`initkit: no such file: ${missing} (the -d data file) [CLI_FILE_NOT_FOUND]\n`);
    expect(existsSync(out)).toBe(false);
    expect(run('mkimage', ['-A', 'arm', '-T', 'ramdisk', '-d', missing, `${out}.mkimage`]).status).toBe(1);
  });
});
