/**
 * The generated /init, branch by branch, run by the real busybox ash with INITKIT_INIT_TEST=1 (the
 * functions are defined, main is not run); the programs it would call (insmod, findfs, nbd-client,
 * sh) are shell functions that record their arguments. The whole boot path is proven in QEMU by
 * test/initramfs-build/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import { initScript } from '../src/build/init-script.js';

const work = mkdtempSync(join(tmpdir(), 'initkit-init-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const script = initScript({
  release: '6.1.0-test',
  modules: ['kernel/a.ko', 'kernel/b c.ko'],
  features: ['network', 'nbd'],
  defaultFilesystem: 'ext4',
});
const initPath = join(work, 'init');
writeFileSync(initPath, script);

/** Runs `body` after sourcing the init; returns stdout (stderr folded in) and the exit status. */
function run(body: string): { out: string; status: number } {
  try {
    const out = execFileSync('busybox', ['sh', '-c', `. ${initPath}\n${body}`], {
      env: { PATH: '/usr/bin:/bin', INITKIT_INIT_TEST: '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    return { out, status: 0 };
  } catch (error) {
    const failure = error as { stdout: string; stderr: string; status: number };
    return { out: failure.stdout + failure.stderr, status: failure.status };
  }
}

const show =
  'echo "root=$root type=$rootfstype flags=$rootflags mode=$mode delay=$rootdelay init=$init break=$break_at"';

describe.runIf(hasTools('busybox'))('generated /init under busybox ash', () => {
  it('starts with a shebang busybox runs and defines main without running it', () => {
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(run('type main').out).toContain('main is a function');
  });

  it('parses the defaults: ro, the profile file system, 30 s, /sbin/init', () => {
    expect(run(`parse_cmdline "console=ttyS0"; ${show}`).out.trim()).toBe(
      'root= type=ext4 flags= mode=ro delay=30 init=/sbin/init break=',
    );
  });

  it('parses root=, rootfstype=, rootflags=, rw, rootdelay=, init=', () => {
    const line = 'root=/dev/vda1 rootfstype=xfs rootflags=noatime,nobarrier rw rootdelay=5 init=/bin/sh quiet';
    expect(run(`parse_cmdline "${line}"; ${show}`).out.trim()).toBe(
      'root=/dev/vda1 type=xfs flags=noatime,nobarrier mode=rw delay=5 init=/bin/sh break=',
    );
  });

  it('keeps UUID=, LABEL= and PARTUUID= whole, and a later ro wins over rw', () => {
    expect(run(`parse_cmdline "rw root=UUID=1234-ab ro"; ${show}`).out).toContain('root=UUID=1234-ab');
    expect(run(`parse_cmdline "rw root=UUID=1234-ab ro"; ${show}`).out).toContain('mode=ro');
    expect(run(`parse_cmdline "root=LABEL=cloudimg-rootfs"; ${show}`).out).toContain('root=LABEL=cloudimg-rootfs');
    expect(run(`parse_cmdline "root=PARTUUID=0badf00d-01"; ${show}`).out).toContain('root=PARTUUID=0badf00d-01');
  });

  it('break alone means premount; break=a,b lists points; shell_at opens a shell only there', () => {
    expect(run(`parse_cmdline "break"; ${show}`).out).toContain('break= premount');
    const body = `sh() { echo SHELL; }; parse_cmdline "break=top,bottom"; shell_at top; shell_at premount; shell_at bottom`;
    const { out } = run(body);
    expect(out.match(/SHELL/g)).toHaveLength(2);
    expect(out).toContain('break=top: exit the shell to continue');
    expect(out).not.toContain('break=premount');
  });

  it('loads the modules in the precomputed order, from /lib/modules/<release>', () => {
    const { out } = run('insmod() { echo "insmod $*"; }; load_modules');
    expect(out).toBe('insmod /lib/modules/6.1.0-test/kernel/a.ko\ninsmod /lib/modules/6.1.0-test/kernel/b c.ko\n');
  });

  it('a failing insmod is a warning, not the end of the boot', () => {
    expect(run('insmod() { return 1; }; load_modules; echo after').out).toContain(
      'initkit: warning: insmod kernel/a.ko failed',
    );
  });

  it('finds UUID= and LABEL= roots through findfs', () => {
    const findfs =
      'findfs() { case "$1" in UUID=abcd) echo /dev/vda ;; LABEL=root) echo /dev/nvme0n1 ;; *) return 1 ;; esac; }';
    expect(run(`${findfs}; root=UUID=abcd; find_root`).out).toBe('/dev/vda\n');
    expect(run(`${findfs}; root=LABEL=root; find_root`).out).toBe('/dev/nvme0n1\n');
  });

  it('a /dev/ root is found only once it is a block device', () => {
    expect(run('root=/dev/initkit-missing; find_root').status).not.toBe(0);
    expect(run('root=/dev/null; find_root').status).not.toBe(0);
  });

  it('an unknown root= form is never found', () => {
    expect(run('root=weird; find_root').status).not.toBe(0);
  });

  it('finds PARTUUID= on an MBR disk (signature-partition) and a GPT disk (entry GUID)', () => {
    const sys = join(work, 'sys');
    const dev = join(work, 'dev');
    mkdirSync(dev, { recursive: true });
    const mbr = new Uint8Array(1024);
    mbr.set([0x0d, 0xf0, 0xad, 0x0b], 440);
    writeFileSync(join(dev, 'vda'), mbr);
    const gpt = new Uint8Array(2048 + 128);
    gpt.set(new TextEncoder().encode('EFI PART'), 512);
    const guid = [0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
    gpt.set(guid, 1024 + 128 + 16); // second partition entry
    writeFileSync(join(dev, 'sdb'), gpt);
    for (const [disk, part, number] of [
      ['vda', 'vda1', '1'],
      ['sdb', 'sdb2', '2'],
    ] as const) {
      mkdirSync(join(sys, 'devices', disk, part), { recursive: true });
      writeFileSync(join(sys, 'devices', disk, part, 'partition'), `${number}\n`);
      mkdirSync(join(sys, 'class', 'block'), { recursive: true });
      symlinkSync(join(sys, 'devices', disk, part), join(sys, 'class', 'block', part));
    }
    const base = `sysfs=${sys} devfs=${dev}`;
    expect(run(`${base}; root=PARTUUID=0BADF00D-01; find_root`).out).toBe(`${dev}/vda1\n`);
    expect(run(`${base}; root=PARTUUID=00112233-4455-6677-8899-aabbccddeeff; find_root`).out).toBe(`${dev}/sdb2\n`);
    expect(run(`${base}; root=PARTUUID=00112233-4455-6677-8899-aabbccddee00; find_root`).status).not.toBe(0);
  });

  it('waits for the root and fails with a clear message after rootdelay', () => {
    const { out, status } = run(
      'sh() { exit 7; }; usleep() { :; }; find_root() { return 1; }; root=UUID=x rootdelay=1; wait_root',
    );
    expect(status).toBe(7);
    expect(out).toContain('initkit: ERROR: root device UUID=x did not appear within 1s');
    expect(out).toContain('initkit: starting an emergency shell');
  });

  it('returns as soon as the root appears', () => {
    // find_root runs in a command substitution (a subshell): count the calls in a file.
    const calls = join(work, 'calls');
    const body = `usleep() { :; }; find_root() { echo >> ${calls}; [ $(wc -l < ${calls}) -ge 3 ] && echo /dev/vda; }; root=/dev/vda rootdelay=5; wait_root; echo "dev=$dev after $(wc -l < ${calls})"`;
    expect(run(body).out).toBe('dev=/dev/vda after 3\n');
  });

  it('fails at once without root=', () => {
    const { out, status } = run('sh() { exit 7; }; root=; wait_root');
    expect(status).toBe(7);
    expect(out).toContain('initkit: ERROR: no root= on the kernel command line');
  });

  it('attaches root=nbd:HOST:PORT/EXPORT and root=nbd:HOST:PORT with nbd-client', () => {
    // nbd-client is not a valid ash function name: a stub program on PATH records its arguments.
    const bin = join(work, 'stub-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'nbd-client'), '#!/bin/sh\necho "nbd-client $*"\n[ -z "$NBD_FAIL" ]\n', { mode: 0o755 });
    const path = `PATH=${bin}:$PATH`;
    expect(run(`${path}; root=nbd:10.0.2.2:10809/rootfs; nbd_attach`).out).toBe(
      'nbd-client 10.0.2.2 10809 /dev/nbd0 -N rootfs\n',
    );
    expect(run(`${path}; root=nbd:10.0.2.2:2000; nbd_attach`).out).toBe('nbd-client 10.0.2.2 2000 /dev/nbd0\n');
    const failing = run(`${path}; export NBD_FAIL=1; sh() { exit 7; }; root=nbd:h:1; nbd_attach`);
    expect(failing.status).toBe(7);
    expect(failing.out).toContain('initkit: ERROR: nbd-client h 1 /dev/nbd0 failed');
  });

  it('brings the network up only on non-loopback interfaces, with the udhcpc script', () => {
    const net = join(work, 'net');
    mkdirSync(join(net, 'lo'), { recursive: true });
    mkdirSync(join(net, 'eth0'), { recursive: true });
    const script2 = script.replace('/sys/class/net/*', `${net}/*`);
    writeFileSync(join(work, 'init-net'), script2);
    const out = execFileSync(
      'busybox',
      ['sh', '-c', `. ${join(work, 'init-net')}; ip() { echo "ip $*"; }; udhcpc() { echo "udhcpc $*"; }; network_up`],
      { env: { PATH: '/usr/bin:/bin', INITKIT_INIT_TEST: '1' }, encoding: 'utf8' },
    );
    expect(out).toBe('ip link set eth0 up\nudhcpc -i eth0 -n -q -t 10 -s /etc/initkit/udhcpc\n');
  });

  it('leaves out the network and NBD code when the profiles do not ask for it', () => {
    const plain = initScript({ release: 'r', modules: [] });
    expect(plain).not.toContain('udhcpc');
    expect(plain).not.toContain('nbd');
    expect(plain.split('\n').length).toBeLessThan(150);
  });
});
