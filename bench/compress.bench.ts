/**
 * @initkit/compress against the native tools on a ~90 MiB newc cpio of system files (built once in
 * bench/work/compress/): decode speed per format, LZMA-JS as the slow baseline for xz/lzma, gzip -9
 * encode, and peak memory of `initkit compress decode`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  type Comparison,
  compare as compareRow,
  ensureWorkDir,
  initkitCommand,
  measured,
  median,
  peakRssKiB,
  type Row,
  report,
  runShell,
  shell,
} from './harness.js';

const compressModule = '../packages/compress/dist/node/index.js';
const pureModule = '../packages/compress/dist/index.js';
const { decode, encode } = (await import(compressModule)) as typeof import('../packages/compress/src/node/index.js');
const pure = (await import(pureModule)) as typeof import('../packages/compress/src/index.js');
// LZMA-JS is @initkit/compress's dependency (the encoder), resolved from that package.
const requireFromCompress = createRequire(new URL('../packages/compress/package.json', import.meta.url));
const lzmaJs = (requireFromCompress('lzma/src/lzma_worker.js') as { LZMA: { decompress(data: Uint8Array): unknown } })
  .LZMA;
// fzstd, the zstd engine this package used before its own decoder, is its test oracle (a devDependency).
const fzstdDecompress = (requireFromCompress('fzstd') as { decompress(data: Uint8Array): Uint8Array }).decompress;

/**
 * COMPRESS_BENCH_ONLY, a regular expression, measures only the rows whose names match (`xz|zstd` for
 * issue 19's) and prints them without writing RESULTS.md (a partial table would replace the full one).
 */
const only = process.env.COMPRESS_BENCH_ONLY ? new RegExp(process.env.COMPRESS_BENCH_ONLY) : undefined;
const wanted = (name: string) => !only || only.test(name);
const compare = (comparison: Comparison): Promise<Row | undefined> =>
  wanted(comparison.name) ? compareRow(comparison) : Promise.resolve(undefined);

const work = ensureWorkDir('compress');
const archive = `${work}system.cpio`;
const TARGET_BYTES = 90 * 1024 * 1024;

if (!existsSync(archive) || statSync(archive).size !== TARGET_BYTES) {
  await runShell(
    // pipefail is on: SIGPIPE from `head` cutting the archive short is expected, so cut in a subshell.
    // Files an initramfs is made of (libraries, executables, text), leaving out ones already compressed.
    `(find /usr/lib /usr/share /usr/bin -xdev -type f -size -8M ! -name '*.gz' ! -name '*.xz' ! -name '*.zst' ! -name '*.bz2' ! -name '*.lz4' ! -name '*.zip' ! -name '*.jar' ! -name '*.png' ! -name '*.jpg' 2>/dev/null | head -n 30000 | cpio -o -H newc 2>/dev/null || true) | { head -c ${TARGET_BYTES}; cat > /dev/null; } > ${archive}`,
  );
}
const size = statSync(archive).size;
const prepare: Array<[string, string]> = [
  ['system.cpio.gz', `gzip -6 -c ${archive}`],
  ['system.cpio.xz', `xz -6 -T1 -c ${archive}`],
  ['system.cpio.lzma', `xz --format=lzma -6 -c ${archive}`],
  ['system.cpio.zst', `zstd -q -19 -T2 -c ${archive}`],
  ['system.cpio.lz4', `lz4 -l -q -c ${archive}`],
  ['slice.lzma', `head -c 4194304 ${archive} | xz --format=lzma -6 -c`],
];
for (const [name, command] of prepare) {
  if (!existsSync(`${work}${name}`)) await runShell(`${command} > ${work}${name}`);
}
const file = (name: string) => new Uint8Array(readFileSync(`${work}${name}`));
const gz = file('system.cpio.gz');
const xz = file('system.cpio.xz');
const lzma = file('system.cpio.lzma');
const zst = file('system.cpio.zst');
const lz4 = file('system.cpio.lz4');
const slice = file('slice.lzma');
const original = new Uint8Array(readFileSync(archive));

// Correctness first: a fast wrong answer is worth nothing.
for (const [name, bytes] of [
  ['gzip', gz],
  ['xz', xz],
  ['lzma', lzma],
  ['zstd', zst],
  ['lz4', lz4],
] as const) {
  if (Buffer.compare(Buffer.from(decode(bytes).output), Buffer.from(original)) !== 0)
    throw new Error(`${name} decode differs`);
}

// Rows left out by COMPRESS_BENCH_ONLY are undefined and dropped as they are pushed.
const rows: (Row | undefined)[] = [];
const push = rows.push.bind(rows);
// Print each row as it is measured, so a long run shows progress.
rows.push = (...maybe: (Row | undefined)[]) => {
  const added = maybe.filter((row): row is Row => row !== undefined);
  for (const row of added) console.log(`${row.name}: ${row.ours} vs ${row.native}, ratio ${row.ratio} (${row.goal})`);
  return push(...added);
};
const path = (name: string) => `${work}${name}`;
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

rows.push(
  await compare({
    name: `xz decode (${mib(xz.length)} -> ${mib(size)})`,
    goal: '<= 3x xz -dc',
    maxRatio: 3,
    ours: () => decode(xz),
    native: shell(`xz -dc ${path('system.cpio.xz')} > /dev/null`),
    runs: 3,
  }),
);
rows.push(
  await compare({
    name: 'lzma decode',
    goal: '<= 3x xz -dc --format=lzma',
    maxRatio: 3,
    ours: () => decode(lzma),
    native: shell(`xz -dc --format=lzma ${path('system.cpio.lzma')} > /dev/null`),
    runs: 3,
  }),
);
rows.push(
  await compare({
    name: 'lzma decode vs LZMA-JS (4 MiB slice)',
    goal: '>= 8x faster than LZMA-JS',
    maxRatio: 1 / 8,
    ours: () => decode(slice),
    native: () => lzmaJs.decompress(slice),
    nativeLabel: 'LZMA-JS',
    runs: 1,
    warmup: 1,
  }),
);
rows.push(
  await compare({
    name: 'gzip decode, Node build (node:zlib)',
    goal: '<= 1x gzip -dc',
    maxRatio: 1,
    ours: () => decode(gz),
    native: shell(`gzip -dc ${path('system.cpio.gz')} > /dev/null`),
  }),
);
rows.push(
  await compare({
    name: 'gzip decode, pure build',
    goal: '<= 2.5x gzip -dc',
    maxRatio: 2.5,
    ours: () => pure.decode(gz),
    native: shell(`gzip -dc ${path('system.cpio.gz')} > /dev/null`),
  }),
);
rows.push(
  await compare({
    name: 'zstd decode (XXH64 checked)',
    goal: '<= 5x zstd -dc',
    maxRatio: 5,
    ours: () => decode(zst),
    native: shell(`zstd -q -dc ${path('system.cpio.zst')} > /dev/null`),
  }),
);
rows.push(
  await compare({
    name: 'zstd decode vs fzstd (the former engine, no checksum)',
    goal: 'no slower than fzstd',
    maxRatio: 1,
    ours: () => decode(zst),
    native: () => fzstdDecompress(zst),
    nativeLabel: 'fzstd',
    runs: 3,
  }),
);
// The pure build's streaming decoders (browsers; Node where neither koffi nor node:zlib's zstd is there).
/** The decoded bytes of a streaming decode, drained chunk by chunk, against `native` (reported). */
const streamed = (name: string, compressed: Uint8Array, native: string, decodeChunks = pure.decodeChunks) =>
  compare({
    name,
    goal: 'reported',
    maxRatio: Number.POSITIVE_INFINITY,
    ours: () => {
      let total = 0;
      for (const chunk of decodeChunks(compressed)) total += chunk.length;
      return total;
    },
    native: shell(`${native} > /dev/null`),
    runs: 3,
  });
rows.push(
  await streamed('xz stream decode, pure build (decodeChunks)', xz, `xz -dc ${path('system.cpio.xz')}`),
  await streamed('zstd stream decode, pure build (decodeChunks)', zst, `zstd -q -dc ${path('system.cpio.zst')}`),
);
// The Node build's streaming decoders: the system's liblzma and libzstd through koffi where they load.
const nodeBuild = (await import(compressModule)) as typeof import('../packages/compress/src/node/index.js');
const engines = nodeBuild.decodingEngines();
rows.push(
  await streamed(
    `xz stream decode, Node build (${engines.xz}, decodeChunks)`,
    xz,
    `xz -dc ${path('system.cpio.xz')}`,
    nodeBuild.decodeChunks,
  ),
  await streamed(
    `zstd stream decode, Node build (${engines.zstd}, decodeChunks)`,
    zst,
    `zstd -q -dc ${path('system.cpio.zst')}`,
    nodeBuild.decodeChunks,
  ),
);
// What the first zstd/xz decode pays in a fresh process: koffi's addon, libzstd and liblzma (deep-bound).
if (wanted('koffi load')) {
  const probe = `const c = await import(${JSON.stringify(new URL(compressModule, import.meta.url).pathname)}); const t = performance.now(); const e = c.decodingEngines(); console.log(performance.now() - t, e.zstd, e.xz);`;
  const loads = Array.from({ length: 7 }, () =>
    execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' }).trim().split(' '),
  );
  const ms = median(loads.map((load) => Number(load[0])));
  rows.push(
    measured(
      `koffi load: koffi + ${loads[0]![1]} + ${loads[0]![2]} at the first zstd/xz decode (fresh process, median of 7)`,
      `${ms.toFixed(1)} ms`,
      'none',
      Number.NaN,
      'reported',
      true,
    ),
  );
}
rows.push(
  await compare({
    name: 'lz4 legacy decode',
    goal: '<= 3x lz4 -dc',
    maxRatio: 3,
    ours: () => decode(lz4),
    native: shell(`lz4 -q -dc ${path('system.cpio.lz4')} > /dev/null`),
  }),
);
rows.push(
  await compare({
    name: 'gzip -9 encode, Node build',
    goal: '<= 1x gzip -9',
    maxRatio: 1,
    ours: () => encode('gzip', original, { level: 9 }),
    native: shell(`gzip -9 -c ${archive} > /dev/null`),
    runs: 3,
  }),
);

// zstd -19 encode through node:zlib (Node 22.15+), against the zstd command at the same level, one thread.
const { NODE_ENCODES_ZSTD } = (await import(compressModule)) as typeof import('../packages/compress/src/node/index.js');
if (NODE_ENCODES_ZSTD) {
  rows.push(
    await compare({
      name: `zstd -19 encode through node:zlib (Node ${process.versions.node})`,
      goal: 'reported',
      maxRatio: Number.POSITIVE_INFINITY,
      ours: () => encode('zstd', original, { level: 19 }),
      native: shell(`zstd -q -19 -T1 -c ${archive} > /dev/null`),
      runs: 1,
      warmup: 0,
    }),
  );
} else {
  rows.push(
    measured(
      'zstd -19 encode through node:zlib',
      `not available on Node ${process.versions.node}`,
      'zstd -19',
      Number.NaN,
      'reported (run on Node 22.15+)',
      true,
    ),
  );
}

// Peak memory of the CLI decoding the archive to a file, against input + output sizes.
for (const [name, input] of [
  ['system.cpio.xz', xz],
  ['system.cpio.gz', gz],
  ['system.cpio.zst', zst],
] as const) {
  if (!wanted(`peak RSS, initkit compress decode ${name}`)) continue;
  const peak = await peakRssKiB(`${initkitCommand} compress decode ${path(name)} -o ${path('decoded.cpio')}`);
  const budget = (input.length + size) / 1024;
  const ratio = peak / budget;
  rows.push(
    measured(
      `peak RSS, initkit compress decode ${name}`,
      `${(peak / 1024).toFixed(0)} MiB`,
      `input+output ${(budget / 1024).toFixed(0)} MiB`,
      ratio,
      '<= 1.5x (input + output)',
      ratio <= 1.5,
    ),
  );
}

if (only) {
  console.log(`\nCOMPRESS_BENCH_ONLY=${only.source} (Node ${process.version}); RESULTS.md left as it was:`);
  for (const r of rows as Row[])
    console.log(`| ${r.name} | ${r.ours} | ${r.native} | ${r.ratio} | ${r.goal} | ${r.met ? 'yes' : '**no**'} |`);
} else
  report('compress', rows as Row[], [
    `Input: ${mib(size)} newc cpio of /usr/lib, /usr/share and /usr/bin files (not already compressed); gzip -6, xz -6, xz --format=lzma -6, zstd -19, lz4 -l.`,
    'Decoders run in-process on bytes already in memory; the native tools read the file and write to /dev/null.',
    'Every in-process decode writes a fresh 90 MiB output buffer (its page faults alone take about 0.1 s here); the native tools reuse a small one.',
  ]);
