/**
 * The one-file kexec command (dist/kexec.cjs running dist/kexec-command.cjs through V8's code cache):
 * it says and does what the chunked CLI's kexec area does, bin/initkit.cjs routes `kexec` to it, an arm64
 * Image.gz still plans (@initkit/compress loaded on demand inside the one file), and the code cache is
 * written once into a private directory, reused, never taken from a directory other users can write,
 * also by a command that leaves through process.exit().
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { cliPath, repoRoot, run } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';

const kexecEntry = join(repoRoot, 'apps/cli/dist/kexec.cjs');
const chunkedMain = join(repoRoot, 'apps/cli/dist/main.js');
const IOMEM = '40000000-7fffffff : System RAM\n';

describe('the one-file kexec command', () => {
  const temp = useTempDir('initkit-cli-kexec-entry-');
  let kernel: DebianKernel;
  let dryRun: string[];

  beforeAll(async () => {
    kernel = await debianKernel('armhf');
    const iomem = join(temp(), 'iomem');
    writeFileSync(iomem, IOMEM);
    const dtb = join(kernel.root, 'usr', 'lib', `linux-image-${kernel.release}`, 'vexpress-v2p-ca9.dtb');
    dryRun = ['kexec', '-l', kernel.vmlinuz, '--append', 'x=1', '--dtb', dtb, '--iomem', iomem, '--arch', 'arm'];
    dryRun.push('--dry-run', '--json');
  });

  /** Runs a file with this Node, the code cache in `cacheHome` (a fresh one by default). */
  const node = (file: string, args: string[], cacheHome = join(temp(), 'cache'), extra: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, [file, ...args], { env: { XDG_CACHE_HOME: cacheHome, ...extra } });

  it('prints the same help and the same plan as the chunked CLI, and bin/initkit.cjs routes kexec to it', () => {
    const help = node(kexecEntry, ['kexec', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('-l, --load [kernel]');
    expect(help.stdout).toBe(node(chunkedMain, ['kexec', '--help']).stdout);
    const plan = node(kexecEntry, dryRun);
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ arch: 'arm', kernelKind: 'zImage', entry: 0x40008000 });
    expect(plan.stdout).toBe(node(chunkedMain, dryRun).stdout);
    expect(node(cliPath, dryRun).stdout).toBe(plan.stdout);
    // Usage errors keep their exit status through the one file.
    expect(node(kexecEntry, ['kexec', '-u', '-e']).status).toBe(2);
  });

  it('plans an arm64 Image.gz (the decompressor loaded on demand) and refuses a corrupt one in one line', () => {
    const image = new Uint8Array(0x2000);
    image.set([0x41, 0x52, 0x4d, 0x64], 0x38);
    const gz = join(temp(), 'Image.gz');
    writeFileSync(gz, gzipSync(image));
    const result = node(kexecEntry, ['kexec', '-l', gz, '--arch', 'arm64', '--dry-run', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ syscall: 'kexec_file_load', kernelKind: 'gzip+arm64-Image' });
    const corrupt = join(temp(), 'corrupt.gz');
    writeFileSync(corrupt, gzipSync(image).subarray(0, 30));
    const bad = node(kexecEntry, ['kexec', '-l', corrupt, '--arch', 'arm64', '--dry-run']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^initkit: .*gzip file that does not decode.*\[KEXEC_NOT_A_KERNEL\]\n$/);
  });

  it("writes the code cache once into a private directory (replacing an older build's), then reuses it", () => {
    const home = join(temp(), 'private');
    mkdirSync(join(home, 'initkit'), { recursive: true, mode: 0o700 });
    // An earlier build's cache (another key line): replaced, not read.
    const directory = join(home, 'initkit');
    writeFileSync(join(directory, 'kexec.v8cache'), 'kexec.v8cache v0.0.0 x64 1 1\nstale', { mode: 0o600 });
    const stale = statSync(join(directory, 'kexec.v8cache'));
    const first = node(kexecEntry, dryRun, home);
    expect(first.status, first.stderr).toBe(0);
    expect(readdirSync(directory)).toEqual(['kexec.v8cache']);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    const cachePath = join(directory, 'kexec.v8cache');
    const cache = statSync(cachePath);
    expect(cache.ino).not.toBe(stale.ino);
    expect(cache.mode & 0o777).toBe(0o600);
    expect(cache.size).toBeGreaterThan(10_000);
    // The key line: this Node and this build (V8 itself does not compare the source's content).
    const keyLine = readFileSync(cachePath).subarray(0, 100).toString('latin1').split('\n')[0];
    expect(keyLine).toMatch(/^kexec\.v8cache v\d+\.\d+\.\d+ \w+ \d+ \d+$/);
    expect(keyLine).toContain(` ${process.version} ${process.arch} `);
    const second = node(kexecEntry, dryRun, home);
    expect(second.stdout).toBe(first.stdout);
    // Accepted, so not written again: the same file (a rewrite renames a new one into place).
    expect(statSync(cachePath).ino).toBe(cache.ino);
  });

  it('leaves at once after a command that prints nothing, with the exit status and the cache of a normal end', () => {
    // -S prints nothing and exits 0 or 1 (this machine's /sys/kernel/kexec_loaded): process.exit() takes
    // the status the action set, and the 'exit' handler that writes the first run's code cache still runs.
    const home = join(temp(), 'silent');
    const quick = node(kexecEntry, ['kexec', '-S'], home);
    const chunked = node(chunkedMain, ['kexec', '-S'], join(temp(), 'chunked'));
    expect([0, 1]).toContain(quick.status);
    expect(quick.status).toBe(chunked.status);
    expect(quick.stdout + quick.stderr).toBe('');
    expect(statSync(join(home, 'initkit', 'kexec.v8cache')).size).toBeGreaterThan(10_000);
  });

  it('uses no cache from a directory others can write, nor with INITKIT_NO_CODE_CACHE=1', () => {
    const shared = join(temp(), 'shared');
    mkdirSync(join(shared, 'initkit'), { recursive: true });
    chmodSync(join(shared, 'initkit'), 0o777);
    expect(node(kexecEntry, dryRun, shared).status).toBe(0);
    expect(readdirSync(join(shared, 'initkit'))).toEqual([]);
    const off = join(temp(), 'off');
    expect(node(kexecEntry, dryRun, off, { INITKIT_NO_CODE_CACHE: '1' }).status).toBe(0);
    expect(() => readdirSync(join(off, 'initkit'))).toThrow(/ENOENT/);
  });

  it("requires no node:fs at load: Node 20.11 builds fs's ES module facade (streams, fs/promises) on the first", () => {
    // Bundled imports become require("fs") at load; the lazy nodeFs() of @initkit/core/node is
    // createRequire(...)("node:fs") inside a function, on failures and writes only.
    for (const file of ['kexec.cjs', 'kexec-command.cjs', 'kexec-core.cjs']) {
      const text = readFileSync(join(repoRoot, 'apps/cli/dist', file), 'utf8');
      expect(text, file).not.toMatch(/\brequire\("(node:)?(fs|fs\/promises|stream)"\)/);
    }
  });
});
