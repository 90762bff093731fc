/**
 * `initkit kexec` on the host: --dry-run plans (text and JSON) for the Debian armmp zImage with a saved
 * memory map and a device tree from the Debian package, and bad input on the host (a non-kernel file, a
 * truncated zImage, an initrd larger than RAM, an unprivileged user): one line, exit 1, nothing loaded.
 * Usage mistakes exit 2. The real loads are proven in QEMU guests (test/kexec/).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DebianKernel, debianKernel } from '../../../test/harness/debian-kernels.js';
import { cliPath, initkit } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { isRoot } from '../../../test/harness/tools.js';

const IOMEM = '40000000-7fffffff : System RAM\n  40208000-411fffff : Kernel code\n';

function kexecLoaded(): string {
  return existsSync('/sys/kernel/kexec_loaded') ? readFileSync('/sys/kernel/kexec_loaded', 'utf8').trim() : '0';
}

/** The one line of a failure, after checking there is exactly one and the exit status is 1. */
function oneLineFailure(result: { status: number; stderr: string; stdout: string }): string {
  expect(result.status, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

describe('initkit kexec on the host', () => {
  const temp = useTempDir('initkit-cli-kexec-');
  let kernel: DebianKernel;
  let iomem: string;
  let dtb: string;
  const dryRun = (...args: string[]) => [
    'kexec',
    ...args,
    '--dtb',
    dtb,
    '--iomem',
    iomem,
    '--arch',
    'arm',
    '--dry-run',
  ];

  beforeAll(async () => {
    kernel = await debianKernel('armhf');
    iomem = join(temp(), 'iomem');
    writeFileSync(iomem, IOMEM);
    dtb = join(kernel.root, 'usr', 'lib', `linux-image-${kernel.release}`, 'vexpress-v2p-ca9.dtb');
  });

  it('--dry-run --json prints the plan: entry, flags and segments sorted by address', () => {
    const initrd = join(temp(), 'initrd');
    writeFileSync(initrd, new Uint8Array(0x12345));
    const result = initkit([
      ...dryRun('-l', kernel.vmlinuz, '--initrd', initrd, '--append', 'console=ttyAMA0'),
      '--json',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan).toMatchObject({
      arch: 'arm',
      syscall: 'kexec_load',
      kernelKind: 'zImage',
      entry: 0x40008000,
      flags: 0x280000,
    });
    expect(plan.segments.map((segment: { source: string }) => segment.source)).toEqual(['kernel', 'initrd', 'dtb']);
    expect(plan.segments[1]).toMatchObject({ bufsz: 0x12345, memsz: 0x13000 });
    expect(plan.chosen).toMatchObject({ bootargs: 'console=ttyAMA0', initrdEnd: plan.segments[1].mem + 0x12345 });
  });

  it('--dry-run prints the plan as text; the kernel may also come as the argument after the options', () => {
    const result = initkit([
      'kexec',
      '--dtb',
      dtb,
      '--iomem',
      iomem,
      '--arch',
      'armhf',
      '--dry-run',
      '-l',
      '--append',
      'x',
      kernel.vmlinuz,
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^kexec_load \(arm\): zImage\nentry = 0x40008000 flags = 0x280000\n/);
    expect(result.stdout).toMatch(/segment\[1\] dtb {4}mem 0x[0-9a-f]{8} memsz 0x\d+000 bufsz 0x[0-9a-f]+\n/);
  });

  it('a non-kernel file: one line, exit 1', () => {
    const line = oneLineFailure(initkit(dryRun('-l', '/etc/hostname')));
    expect(line).toMatch(/^initkit: \/etc\/hostname: not an ARM zImage: .*\[KEXEC_NOT_A_KERNEL\]$/);
  });

  it('a truncated zImage: one line, exit 1', () => {
    const truncated = join(temp(), 'truncated');
    writeFileSync(truncated, readFileSync(kernel.vmlinuz).subarray(0, 100_000));
    expect(oneLineFailure(initkit(dryRun('-l', truncated)))).toMatch(/zImage is truncated: .*\[KEXEC_TRUNCATED\]$/);
  });

  it('an initrd larger than RAM (a sparse file, never read): one line, exit 1', () => {
    const huge = join(temp(), 'huge');
    writeFileSync(huge, '');
    truncateSync(huge, 2 ** 31);
    expect(oneLineFailure(initkit(dryRun('-l', kernel.vmlinuz, '--initrd', huge)))).toMatch(
      /is 2147483648 bytes, more than the 1073741824 bytes of RAM \[KEXEC_TOO_LARGE\]$/,
    );
  });

  it.runIf(isRoot())('an unprivileged user: one line naming root, exit 1, nothing loaded', () => {
    const before = kexecLoaded();
    const spawned = runAs(65534, ['kexec', '-l', kernel.vmlinuz]);
    expect(oneLineFailure(spawned)).toMatch(/needs root \(CAP_SYS_BOOT\) \(run as root.*\) \[KEXEC_PERMISSION\]$/);
    expect(oneLineFailure(runAs(65534, ['kexec', '-u']))).toMatch(/KEXEC_PERMISSION/);
    expect(kexecLoaded()).toBe(before);
  });

  it.runIf(isRoot())('--dry-run needs no privilege given --iomem and --arch: the plan, exit 0, nothing loaded', () => {
    // Copies an unprivileged user can read: the temporary directory is created 0700.
    const directory = temp();
    chmodSync(directory, 0o755);
    const zImage = join(directory, 'zImage-readable');
    const tree = join(directory, 'board.dtb');
    copyFileSync(kernel.vmlinuz, zImage);
    copyFileSync(dtb, tree);
    for (const file of [zImage, tree, iomem]) chmodSync(file, 0o644);
    const before = kexecLoaded();
    const args = ['kexec', '-l', zImage, '--dtb', tree, '--iomem', iomem, '--arch', 'arm', '--dry-run', '--json'];
    const result = runAs(65534, args);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ arch: 'arm', syscall: 'kexec_load' });
    expect(kexecLoaded()).toBe(before);
  });

  it('-e with nothing loaded: one line, exit 1', () => {
    expect(kexecLoaded()).toBe('0');
    const result = initkit(['kexec', '-e']);
    expect(oneLineFailure(result)).toMatch(/KEXEC_NOT_LOADED|KEXEC_PERMISSION/);
  });

  it('usage mistakes exit 2: no action, two actions, -s with -c, an unknown --arch', () => {
    expect(initkit(['kexec']).status).toBe(2);
    expect(initkit(['kexec', '-u', '-e']).status).toBe(2);
    expect(initkit(['kexec', '-l', kernel.vmlinuz, '-s', '-c', '--dry-run']).status).toBe(2);
    const badArch = initkit(['kexec', '-l', kernel.vmlinuz, '--arch', 'mips', '--dry-run']);
    expect(badArch.status).toBe(2);
    expect(badArch.stderr).toMatch(/--arch mips: expected one of arm, x86_64, arm64/);
  });

  it('-S exits 1 when nothing is loaded and says so in --json', () => {
    expect(kexecLoaded()).toBe('0');
    const result = initkit(['kexec', '-S', '--json']);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ loaded: false });
  });
});

/** Runs the CLI as another user (root only): spawnSync with uid/gid. */
function runAs(uid: number, args: string[]) {
  const result = spawnSync(process.execPath, [cliPath, ...args], { uid, gid: uid, encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
