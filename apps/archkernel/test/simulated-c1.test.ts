/**
 * archkernel-load end to end on the simulated C1 (the demo's steps), in process: the first boot fetches
 * and rebuilds, the second is a cache hit, a new boot script is a miss, the kill switch in both metadata
 * formats, unreachable metadata, the boot-loop guard, confirm and reset, the old exitrd patched. The
 * patched initrd is checked with the real tools: each member unpacked by gzip and GNU cpio, and the
 * wrapper's load order against `modprobe --show-depends` on the same module tree.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInitrd } from '@initkit/initramfs';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTools } from '../../../test/harness/tools.js';
import {
  FIXTURES,
  PROVIDER_CMDLINE,
  RELEASE,
  type SimulatedC1,
  type SimulatedC1Options,
  startSimulatedC1,
} from '../demo/simulated-c1.js';
import { runCli } from '../src/cli.js';

let c1: SimulatedC1 | undefined;
afterEach(async () => {
  await c1?.close();
  c1 = undefined;
});

async function start(options: SimulatedC1Options = {}): Promise<SimulatedC1> {
  c1 = await startSimulatedC1(options);
  return c1;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: {},
    metadataRetryDelayMs: 10,
    journal: false,
    tty: false,
  });
  return { code, stdout, stderr };
}

const run = (root: string, ...extra: string[]) => cli(['run', '--dry-run', '--root', root, ...extra]);

/** The TFTP server reports a transfer when its last ACK arrives, a moment after the client is done. */
async function transfersSettle(transfers: string[], count: number): Promise<string[]> {
  for (let waited = 0; transfers.length < count && waited < 5000; waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return transfers;
}

// In process, each run loads the libraries' sources through vitest's transform: generous timeouts for a busy machine.
const SLOW = { timeout: 600_000 };

describe.runIf(hasTools('gzip', 'cpio', 'modprobe', 'mkimage'))('archkernel-load on a simulated C1', () => {
  it(
    'first boot: fetches, evaluates the script, builds, verifies, plans the kexec; the real tools agree',
    SLOW,
    async () => {
      const { root, transfers } = await start();
      const first = await run(root, '--json');
      expect(first.stderr).not.toMatch(/^error/m);
      expect(first.code).toBe(0);
      expect(await transfersSettle(transfers, 2)).toEqual(['uboot.bootscript', 'initrd/uInitrd-Linux-armv7l-v3.11.1']);
      expect(first.stderr).toContain('boot server: 127.0.0.1 (from /proc/net/pnp)');
      expect(first.stderr).toContain(`release ${RELEASE} (read from the image)`);
      expect(first.stderr).toContain('cache: miss: no cache record');
      // The member is assembled after the fetched bytes (no second copy of the initrd), then checked.
      expect(first.stderr).toMatch(/appended member .* after the fetched bytes/);
      expect(first.stderr).toMatch(
        /verified: read back equal to the written bytes \(SHA-256\), the appended member holds the \d+ planned entries/,
      );
      expect(first.stderr).toContain('modules: mvneta_bm not in this kernel, skipped (optional)');
      const { plan, kexec } = JSON.parse(first.stdout);
      expect(plan.script.initrd).toBe('initrd/uInitrd-Linux-armv7l-v3.11.1');
      expect(plan.script.bootargs).toBe(PROVIDER_CMDLINE);
      expect(plan.cmdline).toBe(
        `${PROVIDER_CMDLINE} is_in_kexec=yes NO_SIGNAL_STATE=1 DONT_FETCH_KERNEL_MODULES=1 NO_NTPDATE=1 archkernel`,
      );
      expect(kexec.plan.arch).toBe('arm');
      expect(kexec.plan.segments.map((segment: { source: string }) => segment.source)).toEqual([
        'kernel',
        'initrd',
        'dtb',
      ]);
      expect(kexec.plan.cmdline).toBe(plan.cmdline);

      // The patched initrd: no uImage header; the provider's member untouched, one gzip member appended
      // right after it (no NUL between: a gzip stream of two members, one archive each, as gzip -t wants).
      const patched = new Uint8Array(readFileSync(join(root, 'boot/archkernel-initrd.img')));
      const provider = readFileSync(join(FIXTURES, 'provider/initrd/uInitrd-Linux-armv7l-v3.11.1'));
      expect(Buffer.from(patched.subarray(0, provider.length - 64)).equals(provider.subarray(64))).toBe(true);
      const initrd = readInitrd(patched);
      expect(initrd.wrapper).toBeUndefined();
      expect(initrd.members.map((member) => [member.compression, member.archives])).toEqual([['gzip', 2]]);
      // The appended member alone through gzip -d and GNU cpio.
      const appended = execFileSync('gzip', ['-dc'], { input: patched.subarray(provider.length - 64) });
      const appendedNames = execFileSync('cpio', ['-t', '--quiet'], { input: appended, encoding: 'utf8' })
        .trim()
        .split('\n');
      const base = `lib/modules/${RELEASE}`;
      expect(appendedNames).toEqual(
        expect.arrayContaining([
          'init',
          'init.scw',
          'sbin/insmod',
          `${base}/kernel/drivers/net/phy/libphy.ko`,
          `${base}/kernel/drivers/net/phy/phylink.ko`,
          `${base}/kernel/drivers/net/ethernet/marvell/mvneta.ko`,
          `${base}/kernel/drivers/block/nbd.ko`,
          `${base}/modules.dep`,
          `${base}/modules.dep.bin`,
        ]),
      );
      const init = new TextDecoder().decode(initrd.tree.node('init')!.inode.data);
      expect(init).toMatch(/\n\. \/init\.scw\n$/);
      expect(new TextDecoder().decode(initrd.tree.node('init.scw')!.inode.data)).toBe(
        readFileSync(join(FIXTURES, 'provider-init.sh'), 'utf8'),
      );
      // The wrapper loads in modprobe's order (the real modprobe on the same module tree).
      const loads = [...init.matchAll(/^\t(\S+\.ko) \\$/gm)].map((match) => match[1]!.replace(`/${base}/`, ''));
      const modprobe = ['mvneta', 'nbd'].flatMap((name) =>
        execFileSync('modprobe', ['-d', join(FIXTURES, 'modules'), '-S', RELEASE, '--show-depends', name], {
          encoding: 'utf8',
        })
          .trim()
          .split('\n')
          // "insmod /path/module.ko [options from the host's modprobe.d]": the path only.
          .map((line) => line.split(/\s+/)[1]!.replace(/^\S*?\/lib\/modules\/[^/]+\//, '')),
      );
      expect(loads).toEqual(modprobe);
      // The modules are the tree's bytes.
      expect(
        Buffer.from(initrd.tree.node(`${base}/kernel/drivers/block/nbd.ko`)!.inode.data!).equals(
          readFileSync(join(FIXTURES, `modules/${base}/kernel/drivers/block/nbd.ko`)),
        ),
      ).toBe(true);
    },
  );

  it('second boot: a cache hit fetches only the script; a new boot script is a miss', SLOW, async () => {
    const provider = mkdtempSync(join(tmpdir(), 'archkernel-provider-'));
    cpSync(join(FIXTURES, 'provider'), provider, { recursive: true });
    try {
      const { root, transfers } = await start({ providerDir: provider });
      expect((await run(root)).code).toBe(0);
      await transfersSettle(transfers, 2);
      transfers.length = 0;
      const second = await run(root);
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/cache: hit: built .* from the same script, kernel and modules/);
      expect(second.stderr).toContain('image unchanged since the last build');
      expect(await transfersSettle(transfers, 1)).toEqual(['uboot.bootscript']);

      // The provider ships a new initrd: a new script names it.
      const script = readFileSync(join(FIXTURES, 'bootscript.txt'), 'utf8').replace('v3.11.1', 'v3.12');
      writeFileSync(join(provider, 'script.txt'), script);
      execFileSync(
        'mkimage',
        [
          '-A',
          'arm',
          '-O',
          'linux',
          '-T',
          'script',
          '-C',
          'none',
          '-n',
          'Scaleway bootscript',
          '-d',
          join(provider, 'script.txt'),
          join(provider, 'uboot.bootscript'),
        ],
        { stdio: 'ignore' },
      );
      cpSync(
        join(provider, 'initrd/uInitrd-Linux-armv7l-v3.11.1'),
        join(provider, 'initrd/uInitrd-Linux-armv7l-v3.12'),
      );
      transfers.length = 0;
      const third = await run(root);
      expect(third.code).toBe(0);
      expect(third.stderr).toContain('cache: miss: changed since the last build: boot script');
      expect(await transfersSettle(transfers, 2)).toEqual(['uboot.bootscript', 'initrd/uInitrd-Linux-armv7l-v3.12']);
    } finally {
      rmSync(provider, { recursive: true, force: true });
    }
  });

  it('prepare records the release; a first boot takes it from there for that image only', SLOW, async () => {
    const { root } = await start();
    const recordPath = join(root, 'var/lib/archkernel-load/kernel-release.json');
    const prepared = await cli(['prepare', '--root', root]);
    expect(prepared.code).toBe(0);
    expect(prepared.stderr).toContain(
      `/boot/zImage: release ${RELEASE} (read from the image) recorded in /var/lib/archkernel-load/kernel-release.json`,
    );
    const image = readFileSync(join(root, 'boot/zImage'));
    const record = JSON.parse(readFileSync(recordPath, 'utf8'));
    expect(record).toMatchObject({
      format: 1,
      image: '/boot/zImage',
      size: image.length,
      sha256: createHash('sha256').update(image).digest('hex'),
      release: RELEASE,
    });
    expect((await cli(['prepare', '--root', root])).stderr).toContain(`release ${RELEASE} already recorded`);

    const first = await run(root);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`release ${RELEASE} (recorded for this image when it was installed)`);

    // A record for other bytes (the kernel was replaced without the hook) is not used: the image is read.
    writeFileSync(recordPath, JSON.stringify({ ...record, sha256: '0'.repeat(64), release: '9.9.9-wrong' }));
    rmSync(join(root, 'boot/archkernel-initrd.json'));
    const again = await run(root);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`release ${RELEASE} (read from the image)`);
    expect(again.stderr).not.toContain('9.9.9-wrong');
  });

  it('a damaged boot script (bad data CRC) is refused with the uImage error, nothing written', SLOW, async () => {
    const provider = mkdtempSync(join(tmpdir(), 'archkernel-provider-'));
    cpSync(join(FIXTURES, 'provider'), provider, { recursive: true });
    try {
      const script = readFileSync(join(provider, 'uboot.bootscript'));
      script[script.length - 2] = script[script.length - 2]! ^ 0xff;
      writeFileSync(join(provider, 'uboot.bootscript'), script);
      const { root } = await start({ providerDir: provider });
      const result = await run(root);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: .*data CRC mismatch.* \[UIMAGE_BAD_DCRC\]$/m);
      expect(existsSync(join(root, 'boot/archkernel-initrd.img'))).toBe(false);
    } finally {
      rmSync(provider, { recursive: true, force: true });
    }
  });

  it.runIf(hasTools('busybox'))(
    "the provider uImage header's arch decides the modules' machine, not a busybox built for another one",
    SLOW,
    async () => {
      // The fixture's initrd with a later archive replacing bin/busybox by this host's (an x86-64 ELF),
      // wrapped once with the header Scaleway uses (-A arm) and once saying x86_64.
      const provider = mkdtempSync(join(tmpdir(), 'archkernel-provider-'));
      cpSync(join(FIXTURES, 'provider'), provider, { recursive: true });
      const uInitrd = join(provider, 'initrd/uInitrd-Linux-armv7l-v3.11.1');
      try {
        const tree = join(provider, 'tree');
        execFileSync('mkdir', ['-p', join(tree, 'bin')]);
        execFileSync('sh', ['-c', 'cp "$(command -v busybox)" "$0"', join(tree, 'bin/busybox')]);
        const appended = execFileSync('sh', [
          '-c',
          'cd "$0" && echo bin/busybox | cpio --quiet -o -H newc | gzip -9n',
          tree,
        ]);
        const payload = Buffer.concat([readFileSync(uInitrd).subarray(64), appended]);
        writeFileSync(join(provider, 'payload'), payload);
        const wrap = (arch: string) =>
          execFileSync('mkimage', [
            '-A',
            arch,
            '-O',
            'linux',
            '-T',
            'ramdisk',
            '-C',
            'none',
            '-a',
            '0',
            '-e',
            '0',
            '-n',
            'initramfs',
            '-d',
            join(provider, 'payload'),
            uInitrd,
          ]);
        wrap('arm');
        const { root } = await start({ providerDir: provider });
        const arm = await run(root);
        expect(arm.stderr).not.toMatch(/^error/m);
        expect(arm.code).toBe(0);
        await c1!.close();
        c1 = undefined;
        wrap('x86_64');
        const other = await start({ providerDir: provider });
        const x86 = await run(other.root);
        expect(x86.code).toBe(1);
        expect(x86.stderr).toMatch(/^error: .* \[INITRAMFS_WRONG_MACHINE\]$/m);
        expect(existsSync(join(other.root, 'boot/archkernel-initrd.img'))).toBe(false);
      } finally {
        rmSync(provider, { recursive: true, force: true });
      }
    },
  );

  it('kill switch: the tag in JSON or text metadata (any index) stops with exit 0 before any fetch', SLOW, async () => {
    for (const metadataFormat of ['json', 'text'] as const) {
      const tags = Array.from({ length: 11 }, (_, index) => `tag${index}`);
      const { root, transfers } = await start({ metadataFormat, tags: [...tags, 'archkernel_disabled'] });
      const result = await run(root);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`the server has the tag "archkernel_disabled" (${metadataFormat} metadata)`);
      expect(await transfersSettle(transfers, 0)).toEqual([]);
      await c1!.close();
      c1 = undefined;
    }
  });

  it('unreachable metadata: bounded retries, then proceed (default) or refuse', SLOW, async () => {
    const { root } = await start({ extraConfig: '' });
    const config = join(root, 'etc/archkernel-load.toml');
    const text = readFileSync(config, 'utf8')
      .replace(/url = ".*"/, 'url = "http://127.0.0.1:9/conf"')
      .replace('retries = 0', 'retries = 2');
    writeFileSync(config, text);
    const proceed = await run(root);
    expect(proceed.code).toBe(0);
    expect(proceed.stderr).toMatch(/kill switch: metadata unreachable after 3 attempt\(s\)/);
    writeFileSync(config, text.replace('[metadata]', '[metadata]\nwhen_unreachable = "refuse"'));
    const refuse = await run(root);
    expect(refuse.code).toBe(1);
    expect(refuse.stderr).toMatch(/^error: metadata unreachable/m);
  });

  it(
    "boot-loop guard: refuses after two unconfirmed attempts; reset re-enables; confirm only in the kexec'd kernel",
    SLOW,
    async () => {
      const { root } = await start();
      const statePath = join(root, 'var/lib/archkernel-load/state.json');
      writeFileSync(join(root, 'proc/cmdline'), `${PROVIDER_CMDLINE}\n`);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(root, 'var/lib/archkernel-load'), { recursive: true });
      writeFileSync(
        statePath,
        JSON.stringify({
          unconfirmed: 2,
          lastAttempt: '2026-12-01T00:00:00.000Z',
          lastConfirmed: null,
          lastRelease: RELEASE,
        }),
      );
      const refused = await run(root);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error: boot-loop guard: 2 kexec attempt\(s\) in a row were never confirmed/m);
      const status = await cli(['status', '--root', root]);
      expect(status.stdout).toContain('boot-loop guard: TRIPPED');
      expect((await cli(['reset', '--root', root])).code).toBe(0);
      expect(JSON.parse(readFileSync(statePath, 'utf8')).unconfirmed).toBe(0);
      expect((await run(root)).code).toBe(0);

      writeFileSync(
        statePath,
        JSON.stringify({ unconfirmed: 1, lastAttempt: null, lastConfirmed: null, lastRelease: null }),
      );
      expect((await cli(['confirm', '--root', root])).stderr).toContain('nothing to confirm');
      expect(JSON.parse(readFileSync(statePath, 'utf8')).unconfirmed).toBe(1);
      writeFileSync(join(root, 'proc/cmdline'), `${PROVIDER_CMDLINE} is_in_kexec=yes archkernel\n`);
      expect((await cli(['confirm', '--root', root])).code).toBe(0);
      const confirmed = JSON.parse(readFileSync(statePath, 'utf8'));
      expect(confirmed.unconfirmed).toBe(0);
      expect(confirmed.lastConfirmed).toMatch(/^\d{4}-/);
      // In the kexec'd kernel run does nothing.
      const again = await run(root);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain("already running the kexec'd kernel");
    },
  );

  it('an old exitrd that never jumps is patched; kexec_load_disabled = 1 refuses', SLOW, async () => {
    const { root } = await start({ exitrd: 'old' });
    const result = await run(root);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('exitrd: /run/initramfs/shutdown did not run kexec -e: patched');
    expect(readFileSync(join(root, 'run/initramfs/shutdown'), 'utf8')).toContain(
      'if [ "$1" = kexec ]; then kexec -e; fi\n/bin/sh\n',
    );
    writeFileSync(join(root, 'proc/sys/kernel/kexec_load_disabled'), '1\n');
    const disabled = await run(root);
    expect(disabled.code).toBe(1);
    expect(disabled.stderr).toMatch(/^error: kexec_load_disabled is 1/m);
  });

  it('plan prints the steps as text and JSON and changes nothing', SLOW, async () => {
    const { root } = await start({ exitrd: 'old' });
    const text = await cli(['plan', '--root', root]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/steps:\n {2}1\. fetch initrd\/uInitrd-Linux-armv7l-v3\.11\.1 from 127\.0\.0\.1/);
    expect(text.stdout).toContain('patch /run/initramfs/shutdown');
    const json = JSON.parse((await cli(['plan', '--json', '--root', root])).stdout);
    expect(json.steps.map((step: { kind: string }) => step.kind)).toEqual([
      'fetch-initrd',
      'build-initrd',
      'write-initrd',
      'write-cache-record',
      'patch-exitrd',
      'plan-kexec',
      'kexec-load',
      'record-attempt',
      'start-kexec-target',
    ]);
    expect(existsSync(join(root, 'boot/archkernel-initrd.img'))).toBe(false);
    expect(readFileSync(join(root, 'run/initramfs/shutdown'), 'utf8')).not.toContain('kexec -e');
  });

  it('usage errors exit 2; a bad configuration exits 1 naming file, line and key', SLOW, async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['run', '--nope'])).code).toBe(2);
    expect((await cli(['--help'])).stdout).toContain('Usage: archkernel-load <command>');
    const { root } = await start({ extraConfig: '[kernel]\nmodules = "nbd"' });
    const bad = await run(root);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /archkernel-load\.toml:\d+: kernel\.modules must be a list of strings, found "nbd" \[ARCHKERNEL_BAD_CONFIG\]/,
    );
  });
});
