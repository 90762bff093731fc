/**
 * `initkit cpio extract`: an archive (file or stdin) unpacked safely into -C DIR, or the current
 * directory as `cpio -i` does; nothing is written outside the target.
 */
import { escapeCpioName, quoteCpioName } from '@initkit/cpio';
import { extractCpio, fileChunks } from '@initkit/cpio/node';
import { withFile } from '../file-errors.js';
import { printJson, writeStdout } from '../output.js';
import { UsageError } from '../usage-error.js';
import { openArchive } from './cpio-list.js';

export interface ExtractFlags {
  directory?: string;
  devices?: boolean;
  sameOwner?: boolean;
  verbose?: boolean;
  json?: boolean;
  verify: boolean;
  atomic?: boolean;
}

export async function extractAction(file: string, flags: ExtractFlags): Promise<void> {
  const written: string[] = [];
  const archive = openArchive(file);
  // --atomic renames a sibling directory onto the target at the end: the current directory cannot be.
  if (flags.atomic && flags.directory === undefined)
    throw new UsageError('--atomic needs -C DIR (a directory to create)');
  const directory = flags.directory ?? '.';
  const report = await withFile(directory, 'the -C target directory', () =>
    extractCpio(fileChunks(archive.descriptor), directory, {
      devices: flags.devices,
      preserveOwners: flags.sameOwner === false ? false : undefined,
      verifyChecksums: flags.verify,
      atomic: flags.atomic,
      onEntry: flags.verbose ? (path) => written.push(escapeCpioName(path)) : undefined,
    }),
  ).finally(() => archive.close());
  if (written.length) await writeStdout(`${written.join('\n')}\n`);
  if (flags.json) printJson(report);
  for (const skipped of report.skipped) {
    process.stderr.write(`initkit: skipped ${quoteCpioName(skipped.name)}: ${skipped.reason}\n`);
  }
}
