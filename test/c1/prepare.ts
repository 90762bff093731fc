/**
 * Builds the C1 rig's large artefacts into test/.cache/c1/ when they are missing (the base system with
 * mmdebstrap, the root disk image), printing how long each took. .ci/run runs it once per run. The root
 * disk (cheap next to mmdebstrap) is rebuilt as well when what it installs is newer than it: the app's
 * single-file build, its units, or the rig's installation code.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseSystem, buildProviderInitrd, buildRootDisk, c1CacheDir } from '../harness/c1-artifacts.js';

const rootDisk = join(c1CacheDir, 'root.ext4');
const installed = [
  '../../apps/archkernel/dist/archkernel-load.cjs',
  '../../apps/archkernel/dist/archkernel-load-app.cjs',
  '../../apps/archkernel/systemd/archkernel-load.service',
  '../../apps/archkernel/systemd/archkernel-load-confirm.service',
  '../harness/c1-artifacts.ts',
].map((path) => fileURLToPath(new URL(path, import.meta.url)));

function rootDiskStale(): boolean {
  if (!existsSync(rootDisk)) return true;
  const built = statSync(rootDisk).mtimeMs;
  return installed.some((path) => existsSync(path) && statSync(path).mtimeMs > built);
}

const started = performance.now();
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
let step = performance.now();
await baseSystem();
console.log(`c1: base system ready in ${seconds(step)} s`);
step = performance.now();
await buildProviderInitrd();
console.log(`c1: provider initrd tools ready in ${seconds(step)} s`);
if (rootDiskStale() || process.argv.includes('--rebuild')) {
  step = performance.now();
  await buildRootDisk();
  console.log(`c1: root disk built in ${seconds(step)} s`);
}
console.log(`c1: artefacts ready in ${seconds(started)} s`);
