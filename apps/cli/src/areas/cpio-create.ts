/**
 * `initkit cpio create`: an archive from a directory (like `find . | cpio -o -H newc`) or from a
 * gen_init_cpio list, written to -o or, as `cpio -o` does, to stdout when that is not a terminal.
 */
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { archiveFromList, decodeCpioName, encodeCpioName } from '@initkit/cpio';
import { packDirectory, packDirectoryToFile } from '@initkit/cpio/node';
import { withFile, withFileSync } from '../file-errors.js';
import { parseEpochSeconds, sourceDateEpoch } from '../options.js';
import { outputMode, writeOutput } from '../output.js';
import { outputTarget } from '../output-target.js';
import { UsageError } from '../usage-error.js';

export interface CreateFlags {
  directory?: string;
  fromList?: string;
  output?: string;
  format: 'newc' | 'crc';
  reproducible?: boolean;
  mtime?: string;
}

export function parseHeaderFormat(value: string): 'newc' | 'crc' {
  if (value !== 'newc' && value !== 'crc') throw new UsageError(`invalid format ${value}: expected newc or crc`);
  return value;
}

export async function createAction(flags: CreateFlags): Promise<void> {
  if (flags.fromList === undefined && flags.directory === undefined) {
    throw new UsageError('create needs -C DIR or --from-list LIST');
  }
  if (flags.fromList === undefined && flags.mtime !== undefined) {
    throw new UsageError('-t/--mtime applies to --from-list only');
  }
  const output = outputTarget(flags.output, 'an archive');
  const write = (data: Uint8Array) => withFile(output, 'the -o output', () => writeOutput(output, data));
  if (flags.fromList !== undefined) {
    await write(archiveFromListFile(flags.fromList, flags));
    return;
  }
  const directory = flags.directory!;
  const options = {
    format: flags.format,
    reproducible: flags.reproducible === true,
    mtime: flags.reproducible ? sourceDateEpoch() : undefined,
  };
  await withFile(directory, 'the -C directory to pack', async () => {
    if (output === '-') {
      await write(packDirectory(directory, options));
      return;
    }
    // The library creates 0644: give a new archive the mode `cpio -o > FILE` gives it.
    const mode = outputMode(output);
    await packDirectoryToFile(directory, output, options);
    chmodSync(output, mode);
  });
}

function archiveFromListFile(list: string, flags: CreateFlags): Uint8Array {
  const base = flags.directory ?? process.cwd();
  const mtime =
    flags.mtime !== undefined
      ? parseEpochSeconds(flags.mtime, 'mtime')
      : (sourceDateEpoch() ?? Math.floor(Date.now() / 1000));
  // The list is read losslessly: names that are not UTF-8 are written back as the same bytes.
  const text = decodeCpioName(withFileSync(list, 'the --from-list file', () => readFileSync(list)));
  return archiveFromList(text, {
    format: flags.format,
    mtime,
    env: process.env,
    onWarning: (warning) =>
      process.stderr.write(`initkit: warning: ${list} line ${warning.line}: ${warning.message}\n`),
    readFile: (location) => {
      const path = Buffer.from(encodeCpioName(isAbsolute(location) ? location : join(base, location)));
      const role = `a file named in ${list}`;
      return {
        data: withFileSync(path.toString(), role, () => readFileSync(path)),
        mtime: Math.floor(withFileSync(path.toString(), role, () => statSync(path)).mtimeMs / 1000),
      };
    },
  });
}
