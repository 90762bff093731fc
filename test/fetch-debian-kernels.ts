/**
 * Prefetches the Debian 12 kernels the oracle tests use (amd64 and armhf) into test/.cache/debian/, so
 * the tests never wait on the network. .ci/run runs it before the tests: `npx tsx test/fetch-debian-kernels.ts`.
 */
import { type DebianArch, debianKernel } from './harness/debian-kernels.js';

const wanted = process.argv.slice(2) as DebianArch[];
const arches: DebianArch[] = wanted.length > 0 ? wanted : ['amd64', 'armhf'];
for (const arch of arches) {
  const started = Date.now();
  const kernel = await debianKernel(arch);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${arch}: ${kernel.packageName} ${kernel.packageVersion} (release ${kernel.release}) in ${kernel.root} [${seconds}s]`,
  );
}
