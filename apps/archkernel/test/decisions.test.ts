/** The pure decisions: boot server order, metadata tags, exitrd check and patch, command line, guards. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import { isBootRun } from '../src/argv.js';
import { checkBootLoop, confirmBoot, EMPTY_STATE, recordAttempt } from '../src/boot-loop.js';
import { chooseBootServer } from '../src/boot-server.js';
import { inKexecKernel, kexecCmdline } from '../src/cmdline.js';
import { defaultConfig } from '../src/config.js';
import { checkExitrd, patchShutdown } from '../src/exitrd.js';
import type { LocalFacts } from '../src/facts.js';
import { createLogger } from '../src/log.js';
import { parseMetadataTags } from '../src/metadata.js';
import { planKillSwitch, planLocal } from '../src/plan.js';

const fixture = (path: string) =>
  readFileSync(new URL(`../../../fixtures/archkernel/${path}`, import.meta.url), 'utf8');

describe('boot server', () => {
  const base = { pnp: undefined, leases: [], configured: '', fallback: '10.1.31.34' };
  it('prefers /proc/net/pnp, then a networkd lease (NEXT_SERVER before SERVER_ADDRESS), then config, then the fallback', () => {
    const pnp = '#PROTO: DHCP\nnameserver 10.1.31.38\nbootserver 10.1.31.99\n';
    const lease = {
      path: '/run/systemd/netif/leases/2',
      text: 'ADDRESS=10.2.0.5\nSERVER_ADDRESS=10.1.31.7\nNEXT_SERVER=10.1.31.8\n',
    };
    expect(chooseBootServer({ ...base, pnp, leases: [lease], configured: '10.9.9.9' })).toEqual({
      address: '10.1.31.99',
      source: 'pnp',
      from: '/proc/net/pnp',
    });
    expect(chooseBootServer({ ...base, pnp: 'bootserver 0.0.0.0\n', leases: [lease] })).toMatchObject({
      address: '10.1.31.8',
      source: 'networkd',
    });
    expect(chooseBootServer({ ...base, leases: [{ path: 'l', text: 'SERVER_ADDRESS=10.1.31.7\n' }] })).toMatchObject({
      address: '10.1.31.7',
    });
    expect(chooseBootServer({ ...base, configured: '10.9.9.9' })).toMatchObject({
      address: '10.9.9.9',
      source: 'config',
    });
    expect(chooseBootServer(base)).toMatchObject({ address: '10.1.31.34', source: 'fallback' });
  });
});

describe('metadata tags', () => {
  it('reads the JSON tags array', () => {
    expect(parseMetadataTags('{"id":"x","tags":["a","archkernel_disabled"]}')).toEqual({
      tags: ['a', 'archkernel_disabled'],
      format: 'json',
    });
  });
  it('reads TAGS_n lines at any index, quoted or not (the original matched TAGS_0 to TAGS_9 only)', () => {
    const lines = [
      'TAGS=12',
      ...Array.from({ length: 11 }, (_, i) => `TAGS_${i}=t${i}`),
      "TAGS_11='archkernel_disabled'",
      "NAME='it'\\''s'",
    ];
    expect(parseMetadataTags(lines.join('\n')).tags.at(-1)).toBe('archkernel_disabled');
    expect(parseMetadataTags("TAGS_0='two words'\n").tags).toEqual(['two words']);
  });
});

describe('the kill switch and the local guards', () => {
  const config = defaultConfig();
  const facts = (over: Partial<LocalFacts> = {}): LocalFacts => ({
    cmdline: 'root=/dev/nbd0',
    uid: 0,
    kexecLoadDisabled: '0',
    exitrd: { shutdown: fixture('system/shutdown-scaleway'), executable: true, kexecBinary: 'sbin/kexec' },
    state: { ...EMPTY_STATE },
    ...over,
  });
  it('passes on a provider kernel with a working exitrd', () => {
    const plan = planLocal(facts(), config, { dryRun: false });
    expect(plan.verdict).toEqual({ action: 'continue' });
    expect(plan.guards.map((guard) => [guard.name, guard.ok])).toEqual([
      ['not-in-kexec', true],
      ['kexec-possible', true],
      ['root', true],
      ['exitrd', true],
      ['boot-loop', true],
    ]);
  });
  it("stops quietly in the kexec'd kernel, and with an error when kexec is off (the VALUE of kexec_load_disabled)", () => {
    expect(planLocal(facts({ cmdline: 'root=/dev/nbd0 archkernel' }), config, { dryRun: false }).verdict).toMatchObject(
      { action: 'stop', exitCode: 0 },
    );
    expect(planLocal(facts({ kexecLoadDisabled: '1' }), config, { dryRun: false }).verdict).toMatchObject({
      action: 'stop',
      exitCode: 1,
      level: 'error',
    });
    expect(planLocal(facts({ kexecLoadDisabled: undefined }), config, { dryRun: false }).verdict).toMatchObject({
      action: 'stop',
      exitCode: 1,
    });
  });
  it('needs root to load, not for --dry-run', () => {
    expect(planLocal(facts({ uid: 1000 }), config, { dryRun: false }).verdict).toMatchObject({
      action: 'stop',
      reason: expect.stringContaining('root'),
    });
    expect(planLocal(facts({ uid: 1000 }), config, { dryRun: true }).verdict).toEqual({ action: 'continue' });
  });
  it('refuses without an exitrd or its kexec binary', () => {
    expect(
      planLocal(facts({ exitrd: { shutdown: undefined, executable: false, kexecBinary: undefined } }), config, {
        dryRun: false,
      }).verdict,
    ).toMatchObject({ exitCode: 1, reason: expect.stringContaining('running system') });
    expect(
      planLocal(
        facts({ exitrd: { shutdown: '#!/bin/sh\nkexec -e\n', executable: true, kexecBinary: undefined } }),
        config,
        { dryRun: false },
      ).verdict,
    ).toMatchObject({ exitCode: 1 });
  });
  it('the boot-loop guard trips after max_unconfirmed attempts, confirm clears it', () => {
    let state = recordAttempt(EMPTY_STATE, '6.1.0-57-armmp', new Date(0));
    expect(checkBootLoop(state, 2).tripped).toBe(false);
    state = recordAttempt(state, '6.1.0-57-armmp', new Date(1000));
    expect(checkBootLoop(state, 2).tripped).toBe(true);
    expect(planLocal(facts({ state }), config, { dryRun: true }).verdict).toMatchObject({
      exitCode: 1,
      level: 'error',
      reason: expect.stringContaining('archkernel-load reset'),
    });
    expect(checkBootLoop(confirmBoot(state, new Date(2000)), 2).tripped).toBe(false);
  });
  it('kill switch: a tag stops with exit 0; unreachable metadata proceeds or refuses as configured', () => {
    const base = planLocal(facts(), config, { dryRun: false });
    expect(
      planKillSwitch(base, { tags: ['archkernel_disabled'], format: 'text', attempts: 1, error: undefined }, config)
        .verdict,
    ).toMatchObject({ action: 'stop', exitCode: 0 });
    const down = { tags: undefined, format: undefined, attempts: 3, error: 'no answer within 2000 ms' } as const;
    expect(planKillSwitch(base, down, config).verdict).toEqual({ action: 'continue' });
    const refuse = { ...config, metadata: { ...config.metadata, when_unreachable: 'refuse' as const } };
    expect(planKillSwitch(base, down, refuse).verdict).toMatchObject({ action: 'stop', exitCode: 1 });
  });
});

describe('command line', () => {
  it('appends the markers once, archkernel last', () => {
    const append = defaultConfig().kexec.cmdline_append;
    const line = kexecCmdline('console=ttyS0 root=/dev/nbd0 NO_NTPDATE=1\n', append);
    expect(line).toBe(
      'console=ttyS0 root=/dev/nbd0 is_in_kexec=yes NO_SIGNAL_STATE=1 DONT_FETCH_KERNEL_MODULES=1 NO_NTPDATE=1 archkernel',
    );
    expect(inKexecKernel(line)).toBe(true);
    expect(inKexecKernel('archkernelx=1 root=/dev/nbd0')).toBe(false);
  });
});

describe('exitrd', () => {
  it('the Scaleway shutdown script already jumps; the old one is patched', () => {
    expect(
      checkExitrd({ shutdown: fixture('system/shutdown-scaleway'), executable: true, kexecBinary: 'sbin/kexec' }),
    ).toMatchObject({ jumps: true, patched: undefined });
    const old = checkExitrd({ shutdown: fixture('system/shutdown-old'), executable: true, kexecBinary: 'sbin/kexec' });
    expect(old.jumps).toBe(false);
    expect(old.patched).toMatch(/if \[ "\$1" = kexec \]; then kexec -e; fi\n\/bin\/sh\n$/);
    expect(checkExitrd({ shutdown: old.patched, executable: true, kexecBinary: 'sbin/kexec' }).jumps).toBe(true);
  });

  it.runIf(hasTools('sh'))('the patched script runs kexec -e for the kexec verb only (run by sh)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exitrd-'));
    try {
      const script = patchShutdown(fixture('system/shutdown-old'))
        .replace(/\n\/bin\/sh\n$/, '\necho shell\n')
        .replace(/umount.*\n|for device.*\n/g, '');
      writeFileSync(join(dir, 'shutdown'), script);
      writeFileSync(join(dir, 'kexec'), '#!/bin/sh\necho "kexec $*"\n');
      chmodSync(join(dir, 'kexec'), 0o755);
      const run = (verb: string) =>
        execFileSync('sh', [join(dir, 'shutdown'), verb], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
      expect(run('kexec')).toBe('kexec -e\nshell\n');
      expect(run('reboot')).toBe('shell\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logging', () => {
  it('journal lines carry syslog priorities; plain lines do not', () => {
    let journal = '';
    const log = createLogger({ write: (text) => (journal += text), journal: true });
    log.error('bad');
    log.notice('note');
    log.info('fine');
    expect(journal).toBe('<3>bad\n<5>note\n<6>fine\n');
    let plain = '';
    const plainLog = createLogger({ write: (text) => (plain += text), journal: false, tty: false });
    plainLog.warning('careful');
    plainLog.info('fine');
    plainLog.progress('x')(1, 2);
    expect(plain).toBe('warning: careful\nfine\n');
  });
});

describe('launcher', () => {
  it('writes the code cache only for a boot: `run` as the command, not as an option value, --help or a usage error', () => {
    expect(isBootRun(['run'])).toBe(true);
    expect(isBootRun(['--root', '/tmp/x', 'run', '--json'])).toBe(true);
    expect(isBootRun(['--config', 'run', 'plan'])).toBe(false);
    expect(isBootRun(['--root', 'run', 'prepare'])).toBe(false);
    expect(isBootRun(['run', '--help'])).toBe(false);
    expect(isBootRun(['--version'])).toBe(false);
    expect(isBootRun(['run', 'plan'])).toBe(false);
    expect(isBootRun(['run', '--bogus'])).toBe(false);
    expect(isBootRun(['status'])).toBe(false);
  });
});
