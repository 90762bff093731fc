/**
 * Prefetches and builds the kernel's usr/gen_init_cpio (from Debian's linux-source-6.1) into
 * test/.cache/linux-source/, so the list oracle test never waits on the network. .ci/run runs it.
 */
import { kernelGenInitCpio } from './harness/kernel-gen-init-cpio.js';

const started = Date.now();
const binary = await kernelGenInitCpio();
console.log(`gen_init_cpio: ${binary} [${((Date.now() - started) / 1000).toFixed(1)}s]`);
