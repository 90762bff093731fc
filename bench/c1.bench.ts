/**
 * bench/c1: the emulated Scaleway C1 (test/harness/c1-rig.ts: U-Boot, initkit's TFTP server, Debian's
 * nbd-server, qemu-system-arm -M virt under TCG), time from power-on (QEMU started) to the rig's report
 * unit in multi-user (host clock, "C1-REPORT: uname="), three ways in one run on one root disk copy:
 * - provider only: the `archkernel` marker on the command line, so archkernel-load skips;
 * - via archkernel-load, first boot: rebuild, kexec, the distribution kernel's second boot;
 * - via archkernel-load, cached: the same with a cache hit.
 * Also the guest's own figure for the app: "archkernel-load start to kexec loaded" from the console.
 * Then, in the same emulated guest (a fourth power-on, on a bench-only copy of the root disk that adds
 * Debian's tftp-hpa, cpio and kexec-tools and masks archkernel-load.service), the first-boot rebuild
 * on the provider initrd the rig serves: the original bash script's pipeline (REFERENCE.md: tftp, dd,
 * grep, gunzip | cpio -i, the modules copied, /init renamed and rewritten, find | cpio -o | gzip -9;
 * kexec -l left out on both sides) against `archkernel-load run --dry-run` with an empty cache (whole
 * process: Node's start, guards, metadata, fetch, rebuild, written and verified, kexec planned), goal
 * at least 10x faster (a first boot without the launcher's V8 code cache, and a later rebuild with it; the
 * kernel's release record is on the disk as the package's pacman hook leaves it, and one more first boot
 * runs without it), `node -e 0` and `node -e 0` + the original's two tftp-hpa fetches against the original
 * (the floors of any Node program, and of one that fetches the same file), and the cached path (`run --dry-run` on a hit) and
 * `--version` against `node -e 0`, in the guest; then one first boot with each log line stamped as it arrives.
 * Needs the artefacts of `npx tsx test/c1/prepare.ts`; takes ~20 minutes here.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildProviderInitrd,
  buildRootDisk,
  c1CacheDir,
  PROVIDER_PACKAGES,
  providerKernel,
} from '../test/harness/c1-artifacts.js';
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

/** The modules archkernel-load's rig configuration injects (its closure), dependencies first, for the original's copy. */
const RIG_MODULES = 'failover net_failover virtio_net virtio_mmio nbd crc16 mbcache jbd2 ext4 crc32c_generic';
/** Runs of each side in the guest (C1_BENCH_RUNS; each first-boot run is minutes under TCG on a loaded machine). */
const RUNS = Number(process.env.C1_BENCH_RUNS ?? 3);
/**
 * C1_BENCH_BEFORE=DIR: another build of the app (DIR holds its archkernel-load.cjs and
 * archkernel-load-app.cjs, e.g. a clone's apps/archkernel/dist) also runs a first boot in each round, on
 * the same disk: a before/after in one run.
 */
const before = process.env.C1_BENCH_BEFORE;
/** C1_BENCH_ONLY=guest: only the in-guest comparison (the three power-on rows are left out of the report). */
const guestOnly = process.env.C1_BENCH_ONLY === 'guest';

/**
 * Runs in the guest (multi-user, provider kernel): each side RUNS times, alternated, then the cached path
 * and node -e 0; one "C1-BENCH: <what> <seconds>" line per run on the console.
 */
const GUEST_BENCH = `#!/bin/sh
# bench/c1 in the guest: the original script's rebuild against archkernel-load's first-boot rebuild.
# Node as archkernel-load.service runs it: without libuv's io_uring, whose polling thread spins on this
# 32-bit kernel for the first 5 minutes after boot (the service's comment; bench/RESULTS.md, kexec).
export UV_USE_IO_URING=0
server=10.1.31.34
release=$(ls /usr/lib/modules | head -n 1)
now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }
original() { # stuffo/scaleway-archkernel's rebuild, its module names replaced by the rig's
  [ -e /proc/sys/kernel/kexec_load_disabled ] && command -v kexec >/dev/null || return 1
  rm -rf /tmp/original && mkdir -p /tmp/original/root && cd /tmp/original || return 1
  tftp -m binary $server -c get uboot.bootscript uboot.bootscript || return 1
  initrd=$(dd if=uboot.bootscript bs=72 skip=1 2>/dev/null | grep -a 'tftp .* initrd/uInitrd-Linux-armv7l' | awk '{ print $3 }')
  tftp -m binary $server -c get "$initrd" uInitrd || return 1
  dd if=uInitrd bs=64 skip=1 2>/dev/null | gunzip | (cd root && cpio -id --quiet) || return 1
  mkdir -p root/lib/modules/$release
  for module in ${RIG_MODULES}; do cp $(find /usr/lib/modules/$release -name "$module.ko") root/lib/modules/$release/; done
  mv root/init root/init.scw
  { echo '#!/bin/sh'; echo '/bin/busybox mkdir -p /bin /sbin'; echo '/bin/busybox --install -s'
    for module in ${RIG_MODULES}; do echo "insmod /lib/modules/$release/$module.ko"; done; echo '. /init.scw'; } > root/init
  chmod 755 root/init
  (cd root && find . | cpio -o -H newc --quiet | gzip -9 > /boot/uInitrd.gz) || return 1
  cd / && echo "C1-BENCH-INFO: original wrote $(stat -c %s /boot/uInitrd.gz) bytes from $initrd"
}
fetch_only() {
  rm -rf /tmp/fetch && mkdir -p /tmp/fetch && cd /tmp/fetch || return 1
  tftp -m binary $server -c get uboot.bootscript uboot.bootscript || return 1
  initrd=$(dd if=uboot.bootscript bs=72 skip=1 2>/dev/null | grep -a 'tftp .* initrd/uInitrd-Linux-armv7l' | awk '{ print $3 }')
  tftp -m binary $server -c get "$initrd" uInitrd || return 1
  cd / && rm -rf /tmp/fetch
}
# Each line prefixed with /proc/uptime as it arrives, with shell builtins only (no fork per line).
stamp() { while IFS= read -r line; do read up _ < /proc/uptime; echo "$up $line"; done; }
ours() { # PREFIX: print every stamped line under it (the first, cold run), else the summary lines
  read up _ < /proc/uptime; echo "$up start" > /tmp/ours.log
  { \${AK:-archkernel-load} run --dry-run 2>&1; echo "exit $?"; } | stamp >> /tmp/ours.log
  if [ -n "$1" ]; then cut -c1-140 /tmp/ours.log | sed "s/^/$1: /"
  else grep -E 'distribution kernel: |cache: |patched initrd: |done in ' /tmp/ours.log | sed 's/^[0-9.]* /C1-BENCH-INFO: /'; fi
  st=$(sed -n 's/^[0-9.]* exit //p' /tmp/ours.log | tail -n 1); [ -n "$st" ] || st=1
  return $st
}
timed() { # NAME COMMAND...
  name=$1; shift
  start=$(now); "$@"; status=$?; end=$(now)
  [ $status = 0 ] && echo "C1-BENCH: $name $(elapsed $start $end)" || echo "C1-BENCH: $name failed ($status)"
}
for run in $(seq ${RUNS}); do
  timed original original
  # A first boot: no patched initrd and no code cache (the launcher writes it at the end of this run).
  rm -f /boot/archkernel-initrd.img /boot/archkernel-initrd.json /var/cache/archkernel-load/*
  # The first run after power-on reads the app, the kernel and the modules from NBD for the first time.
  [ "$run" = 1 ] && timed first-boot ours C1-BENCH-COLD || timed first-boot ours
  if [ -x /usr/lib/archkernel-load-before/archkernel-load.cjs ]; then
    # The build named by C1_BENCH_BEFORE, on the same disk and page cache: no code cache, koffi from the
    # installed app's node_modules, its first run stamped.
    rm -f /boot/archkernel-initrd.img /boot/archkernel-initrd.json
    AK=/usr/lib/archkernel-load-before/archkernel-load.cjs
    export ARCHKERNEL_LOAD_CODE_CACHE=/nonexistent NODE_PATH=/usr/lib/archkernel-load/node_modules
    [ "$run" = 1 ] && timed first-boot-before ours C1-BENCH-BEFORE || timed first-boot-before ours
    unset ARCHKERNEL_LOAD_CODE_CACHE NODE_PATH AK
  fi
  # A later rebuild (a new provider initrd): the code cache is there.
  rm -f /boot/archkernel-initrd.img /boot/archkernel-initrd.json
  timed rebuild ours
  # A first boot after a kernel copied in without the package's pacman hook (no release record): the
  # release is read from the image again.
  rm -f /boot/archkernel-initrd.img /boot/archkernel-initrd.json /var/cache/archkernel-load/*
  mv /var/lib/archkernel-load/kernel-release.json /tmp/kernel-release.json
  timed first-boot-unrecorded ours
  mv /tmp/kernel-release.json /var/lib/archkernel-load/kernel-release.json
  timed node-e-0 node -e 0
  # The original's two fetches alone (tftp-hpa's client, lock-step): with node -e 0, the floor of any
  # Node program that fetches the same file.
  timed original-fetch fetch_only
done
for run in $(seq ${RUNS}); do
  timed cached ours
  timed version archkernel-load --version
done
# Where a first boot's time goes: each log line stamped as it arrives.
rm -f /boot/archkernel-initrd.img /boot/archkernel-initrd.json /var/cache/archkernel-load/*
ours C1-BENCH-LINE
echo "C1-BENCH: end"
`;

interface GuestBench {
  original: number[];
  firstBoot: number[];
  /** A first boot without the release record (the kernel installed without the pacman hook). */
  firstBootUnrecorded: number[];
  rebuild: number[];
  /** The original's two tftp-hpa fetches alone. */
  originalFetch: number[];
  /** The build C1_BENCH_BEFORE names (a first boot without its code cache), when given. */
  firstBootBefore: number[];
  cached: number[];
  nodeE0: number[];
  version: number[];
  /** From one stamped first boot (warm page cache): seconds to the first log line, the release step, each step. */
  timeline: Timeline | undefined;
  /** The same for the first run after power-on (cold page cache). */
  cold: Timeline | undefined;
  /** The same for the C1_BENCH_BEFORE build's first run (warm page cache). */
  before: Timeline | undefined;
}

/** The fourth power-on: the comparison inside the guest, on a bench-only disk. */
async function guestBench(directory: string): Promise<GuestBench> {
  const image = join(directory, 'bench-root.ext4');
  await buildRootDisk({
    output: image,
    extraPackages: [
      'tftp-hpa',
      'cpio',
      'kexec-tools',
      ...PROVIDER_PACKAGES.filter((name) => name.startsWith('libxen')),
    ],
    extraUnits: { 'c1-bench': GUEST_BENCH },
    masked: ['archkernel-load.service'],
    extraFiles: before
      ? Object.fromEntries(
          ['archkernel-load.cjs', 'archkernel-load-app.cjs'].map((name) => [
            `usr/lib/archkernel-load-before/${name}`,
            join(before, name),
          ]),
        )
      : {},
  });
  const rig = await C1Rig.start({
    rootImage: image,
    copyOnWrite: false,
    providerKernel: kernel.vmlinuz,
    providerInitrd: provider,
  });
  let log = '';
  try {
    const guest = await rig.powerOn();
    try {
      await guest.waitFor('C1-BENCH: end', { timeoutMs: 3_600_000 });
      await guest.waitFor('C1-REPORT: done', { timeoutMs: 600_000 });
    } finally {
      await guest.close();
      log = guest.log;
    }
  } finally {
    await rig.stop();
  }
  for (const line of log.split('\n').filter((text) => text.startsWith('C1-BENCH'))) console.log(line);
  const times = (name: string) => {
    const found = [...log.matchAll(new RegExp(`^C1-BENCH: ${name} ([0-9.]+)$`, 'gm'))].map((match) => Number(match[1]));
    if (found.length !== RUNS) throw new Error(`guest bench: ${found.length} of ${RUNS} "${name}" runs succeeded`);
    return found;
  };
  return {
    original: times('original'),
    firstBoot: times('first-boot'),
    firstBootUnrecorded: times('first-boot-unrecorded'),
    rebuild: times('rebuild'),
    originalFetch: times('original-fetch'),
    firstBootBefore: before ? times('first-boot-before') : [],
    cached: times('cached'),
    nodeE0: times('node-e-0'),
    version: times('version'),
    timeline: timeline(log, 'C1-BENCH-LINE'),
    cold: timeline(log, 'C1-BENCH-COLD'),
    before: timeline(log, 'C1-BENCH-BEFORE'),
  };
}

interface Timeline {
  firstLine: number;
  release: number;
  total: number;
  /** Seconds from the line before to each line, with the line's first words. */
  steps: string[];
}

function timeline(log: string, prefix: string): Timeline | undefined {
  const lines = [...log.matchAll(new RegExp(`^${prefix}: ([0-9.]+) (.*)$`, 'gm'))].map((match) => ({
    at: Number(match[1]),
    text: match[2]!,
  }));
  const release = lines.findIndex((line) => line.text.includes('distribution kernel: '));
  if (lines.length < 3 || release < 1) return undefined;
  const steps = lines
    .slice(1)
    .map((line, index) => ({ seconds: line.at - lines[index]!.at, text: line.text }))
    .filter((step) => step.seconds >= 0.5)
    .map((step) => `${step.seconds.toFixed(1)} s to "${step.text.split(/[:(]/)[0]!.trim()}"`);
  return {
    firstLine: lines[1]!.at - lines[0]!.at,
    release: lines[release]!.at - lines[release - 1]!.at,
    total: lines.at(-1)!.at - lines[0]!.at,
    steps,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const directory = mkdtempSync(join(tmpdir(), 'initkit-bench-c1-'));
const kernel = await providerKernel();
const provider = { build: 'v3.11.1', image: await buildProviderInitrd({ build: 'v3.11.1' }) };
const rootImage = join(directory, 'root.ext4');
copyFileSync(join(c1CacheDir, 'root.ext4'), rootImage);
const distribution = readFileSync(join(c1CacheDir, 'distribution-release'), 'utf8').trim();
const results: Record<string, Timing> = {};
let inGuest: GuestBench | undefined;
try {
  if (!guestOnly) await powerOns();
  inGuest = await guestBench(directory);
} finally {
  rmSync(directory, { recursive: true, force: true });
}

/** The three power-ons: provider only, first boot, cached. */
async function powerOns(): Promise<void> {
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
}

const base = results.provider?.seconds ?? Number.NaN;
const row = (name: string, timing: Timing, goal: string) =>
  measured(
    `${name}: power-on to multi-user (${timing.uname})`,
    `${timing.seconds.toFixed(1)} s${Number.isNaN(timing.loadSeconds) ? '' : ` (app start to kexec loaded ${timing.loadSeconds.toFixed(1)} s)`}`,
    `provider only ${base.toFixed(1)} s`,
    timing.seconds / base,
    goal,
    timing.uname === distribution,
  );
function guestRow(name: string, ours: number[], native: number[], nativeLabel: string, goal: string, maxRatio: number) {
  const list = (values: number[]) => values.map((value) => value.toFixed(1)).join(' / ');
  const ratio = median(ours) / median(native);
  return measured(
    name,
    `${median(ours).toFixed(1)} s (runs ${list(ours)})`,
    `${nativeLabel}: ${median(native).toFixed(1)} s (runs ${list(native)})`,
    ratio,
    goal,
    ratio <= maxRatio,
  );
}

report(
  'c1',
  [
    ...(guestOnly
      ? []
      : [
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
        ]),
    guestRow(
      'in the guest: first-boot rebuild, `run --dry-run` with an empty cache vs the original script',
      inGuest!.firstBoot,
      inGuest!.original,
      'original: tftp, dd, gunzip, cpio -i, cpio -o, gzip -9',
      '>= 10x faster',
      0.1,
    ),
    guestRow(
      'in the guest: first-boot rebuild of a kernel installed without the pacman hook (no release record: the release read from the image) vs the original script',
      inGuest!.firstBootUnrecorded,
      inGuest!.original,
      'original',
      'reported',
      Number.POSITIVE_INFINITY,
    ),
    ...(before
      ? [
          guestRow(
            `in the guest: first-boot rebuild by the build before the change (${before}; release read from the image, no code cache) vs the original script`,
            inGuest!.firstBootBefore,
            inGuest!.original,
            'original',
            'reported',
            Number.POSITIVE_INFINITY,
          ),
        ]
      : []),
    guestRow(
      'in the guest: a later rebuild (code cache present), `run --dry-run` with an empty initrd cache vs the original script',
      inGuest!.rebuild,
      inGuest!.original,
      'original',
      '>= 10x faster',
      0.1,
    ),
    guestRow(
      'in the guest: the floor, `node -e 0` vs the original script',
      inGuest!.nodeE0,
      inGuest!.original,
      'original',
      'reported',
      Number.POSITIVE_INFINITY,
    ),
    guestRow(
      "in the guest: the floor of a Node program that fetches, `node -e 0` + the original's two tftp-hpa fetches, vs the original script",
      inGuest!.nodeE0.map((seconds, index) => seconds + inGuest!.originalFetch[index]!),
      inGuest!.original,
      'original',
      'reported',
      Number.POSITIVE_INFINITY,
    ),
    guestRow(
      'in the guest: `archkernel-load --version` (no code cache: only `run` uses it) vs node -e 0',
      inGuest!.version,
      inGuest!.nodeE0,
      'node -e 0',
      'reported',
      Number.POSITIVE_INFINITY,
    ),
    guestRow(
      'in the guest: cached path, `run --dry-run` on a hit vs node -e 0',
      inGuest!.cached,
      inGuest!.nodeE0,
      'node -e 0',
      'reported',
      Number.POSITIVE_INFINITY,
    ),
  ],
  [
    'Host clock from QEMU start to the report unit (multi-user); qemu-system-arm TCG, one vCPU, on a shared 2-core machine.',
    'The kexec paths boot twice (provider kernel to the kexec, then the distribution kernel): the ratio is mostly that second boot.',
    `In the guest: medians of ${RUNS} alternated runs each (date +%s.%N around each command, emulated Cortex-A15, 1 vCPU, TCG), the provider uInitrd the rig serves (${(provider.image.length / 1048576).toFixed(1)} MiB); the original's kexec -l is left out as --dry-run leaves out the load.`,
    "A first boot runs without the launcher's V8 code cache (deleted before each); a later rebuild (a new provider initrd) has it. Both have the kernel release record that `archkernel-load prepare` (the package's pacman hook, the rig's disk build) writes when the kernel is installed; the unrecorded row reads the release from the zImage. 10x needs the whole process within a tenth of the original's time, and `node -e 0` alone is the floor row's share of it.",
    ...[
      ['The first first-boot run after power-on (cold page cache, no code cache)', inGuest?.cold],
      ['One stamped first boot at the end (warm page cache, no code cache)', inGuest?.timeline],
      ["The C1_BENCH_BEFORE build's first boot (warm page cache, no code cache)", inGuest?.before],
    ].flatMap(([what, stamped]) =>
      stamped && typeof stamped !== 'string'
        ? [
            `${what}, each line stamped from /proc/uptime as it arrived: first log line after ${stamped.firstLine.toFixed(1)} s (Node's start and the bundle's load), the kernel release step (the zImage read, or its record) ${stamped.release.toFixed(1)} s, last line at ${stamped.total.toFixed(1)} s; steps of 0.5 s or more: ${stamped.steps.join(', ')}.`,
          ]
        : [],
    ),
  ],
);
if (inGuest!.firstBoot.length && median(inGuest!.firstBoot) / median(inGuest!.original) > 0.1) process.exitCode = 1;
