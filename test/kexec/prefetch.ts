/**
 * Prefetches what the kexec guest tests download on first use, so they never wait on the network in CI:
 * Node 20 armv7l with koffi's armhf build (test/harness/armhf-node.ts) and Debian's armhf busybox and
 * kexec-tools with their libraries. .ci/run runs it: `npx tsx test/kexec/prefetch.ts`.
 */
import { armhfNode, debianArmhfPackages } from '../harness/armhf-node.js';
import { ARMHF_GUEST_PACKAGES } from './guest.js';

const started = Date.now();
const node = await armhfNode();
const debs = await debianArmhfPackages(ARMHF_GUEST_PACKAGES);
console.log(
  `armhf Node ${node.nodeVersion} + koffi ${node.koffiVersion} (${node.files.length} files) and ${ARMHF_GUEST_PACKAGES.length} Debian armhf packages (${debs.files.length} files) in ${((Date.now() - started) / 1000).toFixed(1)}s`,
);
