/**
 * `initkit kernel version FILE`: the release of the kernel inside an image (bzImage, zImage, arm64
 * Image or Image.gz, vmlinux, any of them in a uImage), read without running it.
 */
import { kernelVersion } from '@initkit/kmod';
import type { Command } from 'commander';
import { readInput } from '../input.js';
import { printJson } from '../output.js';

/** Adds the `kernel` sub-commands to the area's command (named and described in catalog.ts). */
export function registerKernel(kernel: Command): void {
  kernel
    .command('version')
    .description('print the kernel release inside an image, as `uname -r` would print it once booted')
    .argument('<file>', 'kernel image (vmlinuz, zImage, Image, Image.gz, uImage, vmlinux)')
    .option('--json', 'print the release, banner, image layers and compression as JSON')
    .action(versionAction);
}

async function versionAction(file: string, options: { json?: boolean }): Promise<void> {
  const version = kernelVersion(await readInput(file));
  if (options.json) printJson(version);
  else process.stdout.write(`${version.release}\n`);
}
