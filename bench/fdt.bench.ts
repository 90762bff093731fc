/**
 * bench/fdt: parse and re-serialize every .dtb of Debian 12's armhf armmp kernel (about 900 boards) with
 * the library in one process (files read included) versus `dtc -I dtb -O dtb` run on each file. Goal:
 * at most 0.5x dtc's total time. Also reported: the whole `initkit fdt dump` process versus
 * `dtc -I dtb -O dts`, each run once per file, on every 30th blob.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseFdt, serializeFdt } from '@initkit/fdt';
import { armmpDtbs } from '../test/fdt/armmp-dtbs.js';
import { compare, ensureWorkDir, initkitCommand, report, shell } from './harness.js';

const directory = ensureWorkDir('fdt');
const paths = await armmpDtbs();
const listPath = `${directory}all.txt`;
const samplePath = `${directory}sample.txt`;
const sample = paths.filter((_path, index) => index % 30 === 0);
writeFileSync(listPath, `${paths.join('\n')}\n`);
writeFileSync(samplePath, `${sample.join('\n')}\n`);
const totalBytes = paths.reduce((sum, path) => sum + readFileSync(path).length, 0);

const loadBefore = loadavg()[0]!;
let checked = 0;
const rows = [
  await compare({
    name: `parse + serialize ${paths.length} armmp .dtb: library in one process vs \`dtc -I dtb -O dtb\` per file`,
    goal: '<= 0.5x',
    maxRatio: 0.5,
    ours: () => {
      for (const path of paths) {
        const blob = readFileSync(path);
        const out = serializeFdt(parseFdt(blob));
        if (out.length !== blob.length) throw new Error(`${path}: ${out.length} bytes written, ${blob.length} read`);
        checked++;
      }
    },
    native: shell(`while read -r f; do dtc -q -I dtb -O dtb -o /dev/null "$f"; done < ${listPath}`),
    runs: 3,
  }),
  await compare({
    name: `\`initkit fdt dump\` process vs \`dtc -I dtb -O dts\`, once per file, ${sample.length} blobs`,
    goal: 'reported',
    maxRatio: Number.POSITIVE_INFINITY,
    ours: shell(`while read -r f; do ${initkitCommand} fdt dump "$f" > /dev/null; done < ${samplePath}`),
    native: shell(`while read -r f; do dtc -q -I dtb -O dts "$f" > /dev/null; done < ${samplePath}`),
    runs: 3,
  }),
];
report('fdt', rows, [
  `Input: ${paths.length} blobs, ${(totalBytes / 1048576).toFixed(1)} MiB (Debian 12 linux-image-armmp). ` +
    `Every library round trip was checked for length (${checked} runs); the tests check the bytes.`,
  `Load average (1 min) ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ` +
    'a 2-core machine shared with other jobs: both sides ran alternately under the same load.',
  'The process row is mostly Node start-up (an `initkit fdt dump` of one blob spends a few ms in the library).',
]);
