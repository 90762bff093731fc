/**
 * The .dtb files of Debian 12's armhf armmp kernel package (usr/lib/linux-image-<release>/, about 900
 * boards), sorted by path, for the fdt oracle tests and bench/fdt. Fetches the package on first use.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { debianKernel } from '../harness/debian-kernels.js';

export async function armmpDtbs(): Promise<string[]> {
  const kernel = await debianKernel('armhf');
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.dtb')) found.push(path);
    }
  };
  walk(join(kernel.root, 'usr', 'lib', `linux-image-${kernel.release}`));
  return found.sort();
}
