/**
 * `pnpm bench`: runs every bench/<area>.bench.ts in turn (each in its own process, so one area's
 * memory does not skew another's), or only the areas named on the command line.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { benchDir } from './harness.js';

const wanted = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => wanted.length === 0 || wanted.includes(name.replace(/\.bench\.ts$/, '')))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${benchDir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
