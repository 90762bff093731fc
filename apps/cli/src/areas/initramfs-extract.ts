/**
 * `initkit initramfs extract`: the merged tree (or the unmkinitramfs layout with --split) written
 * safely, with the same flags as `cpio extract` (-C, -v, --devices, --no-same-owner, --no-verify).
 */
import { escapeCpioName, quoteCpioName } from '@initkit/cpio';
import { extractInitrd } from '@initkit/initramfs/node';
import { withFile } from '../file-errors.js';
import { printJson, writeStdout } from '../output.js';
import { openInitrd } from './initramfs-inspect.js';

export interface ExtractFlags {
  directory?: string;
  split?: boolean;
  devices?: boolean;
  sameOwner: boolean;
  verify: boolean;
  verbose?: boolean;
  json?: boolean;
}

export async function extractAction(file: string, flags: ExtractFlags): Promise<void> {
  // Contents are not kept: the extraction reads them again from their members as it writes.
  const initrd = await openInitrd(file, 'the initrd', { keepData: () => false, verifyDataCrc: flags.verify });
  const directory = flags.directory ?? '.';
  const results = await withFile(directory, 'the -C target directory', () =>
    extractInitrd(initrd, directory, {
      split: flags.split,
      devices: flags.devices,
      preserveOwners: flags.sameOwner === false ? false : undefined,
    }),
  );
  if (flags.json) {
    printJson(results);
    return;
  }
  if (flags.verbose) {
    // The merged tree's paths that were written (what was skipped is said on stderr below).
    const skipped = new Set(results.flatMap(({ report }) => report.skipped.map((entry) => entry.name)));
    const written = initrd.tree
      .list()
      .map((node) => node.path)
      .filter((path) => path !== '.' && !skipped.has(path));
    await writeStdout(written.map((path) => `${escapeCpioName(path)}\n`).join(''));
  }
  for (const { report } of results) {
    for (const skipped of report.skipped) {
      process.stderr.write(`initkit: skipped ${quoteCpioName(skipped.name)}: ${skipped.reason}\n`);
    }
  }
}
