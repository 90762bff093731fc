/**
 * bench/c1: the emulated Scaleway C1 (test/harness/c1-rig.ts: U-Boot, initkit's TFTP server, Debian's
 * nbd-server, qemu-system-arm -M virt under TCG), time from power-on (QEMU started) to the rig's report
 * unit in multi-user (host clock, "C1-REPORT: uname="), three ways in one run on one root disk copy:
 * - provider only: the `archkernel` marker on the command line, so archkernel-load skips;
 * - via archkernel-load, first boot: rebuild, kexec, the distribution kernel's second boot;
 * - via archkernel-load, cached: the same with a cache hit.
 * Also the guest's own figure for the app: "archkernel-load start to kexec loaded" from the console.
 * Needs the artefacts of `npx tsx test/c1/prepare.ts`; takes ~15 minutes here.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProviderInitrd, c1CacheDir, providerKernel } from '../test/harness/c1-artifacts.js';
import { C1Rig } from '../test/harness/c1-rig.js';
import { measured, report } from './harness.js';

interface Timing {
  seconds: number;
  loadSeconds: number;
  uname: string;
}

async function powerOn(rig: C1Rig): Promise<Timing> {
  const started = performance.now();
  const seen: { app?: number; loaded?: number; report?: number } = {};
  let text = '';
  const guest = await rig.powerOn({
    onOutput: (chunk) => {
      text += chunk;
      const now = performance.now();
      if (seen.app === undefined && /archkernel-load\[\d+\]|kill switch: /.test(text)) seen.app = now;
      if (seen.loaded === undefined && /kexec: \S+ loaded/.test(text)) seen.loaded = now;
      if (seen.report === undefined && /C1-REPORT: uname=/.test(text)) seen.report = now;
    },
  });
  try {
    await guest.waitFor('C1-REPORT: done', { timeoutMs: 1_500_000 });
    await guest.waitFor('C1-EXITRD: verb poweroff', { timeoutMs: 300_000 });
  } finally {
    await guest.close();
  }
  return {
    seconds: ((seen.report ?? Number.NaN) - started) / 1000,
    loadSeconds: seen.app && seen.loaded ? (seen.loaded - seen.app) / 1000 : Number.NaN,
    uname: /C1-REPORT: uname=(\S+)/.exec(guest.log)?.[1] ?? '?',
  };
}

const directory = mkdtempSync(join(tmpdir(), 'initkit-bench-c1-'));
const kernel = await providerKernel();
const provider = { build: 'v3.11.1', image: await buildProviderInitrd({ build: 'v3.11.1' }) };
const rootImage = join(directory, 'root.ext4');
copyFileSync(join(c1CacheDir, 'root.ext4'), rootImage);
const distribution = readFileSync(join(c1CacheDir, 'distribution-release'), 'utf8').trim();
const results: Record<string, Timing> = {};
try {
  // The `archkernel` marker rides on the boot script (copy-on-write: this power-on writes nothing).
  let rig = await C1Rig.start({
    rootImage,
    providerKernel: kernel.vmlinuz,
    providerInitrd: provider,
    extraBootargs: 'archkernel',
  });
  try {
    results.provider = await powerOn(rig);
  } finally {
    await rig.stop();
  }
  rig = await C1Rig.start({ rootImage, copyOnWrite: false, providerKernel: kernel.vmlinuz, providerInitrd: provider });
  try {
    results.first = await powerOn(rig);
    results.cached = await powerOn(rig);
  } finally {
    await rig.stop();
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}

const base = results.provider!.seconds;
const row = (name: string, timing: Timing, goal: string) =>
  measured(
    `${name}: power-on to multi-user (${timing.uname})`,
    `${timing.seconds.toFixed(1)} s${Number.isNaN(timing.loadSeconds) ? '' : ` (app start to kexec loaded ${timing.loadSeconds.toFixed(1)} s)`}`,
    `provider only ${base.toFixed(1)} s`,
    timing.seconds / base,
    goal,
    timing.uname === distribution,
  );
report(
  'c1',
  [
    measured(
      `provider only: power-on to multi-user (${results.provider!.uname})`,
      `${base.toFixed(1)} s`,
      '-',
      1,
      'reference',
      true,
    ),
    row('via archkernel-load, first boot (rebuild)', results.first!, 'reported'),
    row('via archkernel-load, cached boot', results.cached!, 'reported'),
  ],
  [
    'Host clock from QEMU start to the report unit (multi-user); qemu-system-arm TCG, one vCPU, on a shared 2-core machine.',
    'The kexec paths boot twice (provider kernel to the kexec, then the distribution kernel): the ratio is mostly that second boot.',
  ],
);
