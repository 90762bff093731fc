/**
 * Builds the C1 rig's large artefacts into test/.cache/c1/ when they are missing (the base system with
 * mmdebstrap, the root disk image), printing how long each took. .ci/run runs it once per run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { baseSystem, buildProviderInitrd, buildRootDisk, c1CacheDir } from '../harness/c1-artifacts.js';

const started = performance.now();
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
let step = performance.now();
await baseSystem();
console.log(`c1: base system ready in ${seconds(step)} s`);
step = performance.now();
await buildProviderInitrd();
console.log(`c1: provider initrd tools ready in ${seconds(step)} s`);
if (!existsSync(join(c1CacheDir, 'root.ext4')) || process.argv.includes('--rebuild')) {
  step = performance.now();
  await buildRootDisk();
  console.log(`c1: root disk built in ${seconds(step)} s`);
}
console.log(`c1: artefacts ready in ${seconds(started)} s`);
