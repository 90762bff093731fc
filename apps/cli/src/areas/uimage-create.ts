/**
 * `initkit uimage create`: a legacy image byte-identical to mkimage's, with mkimage's flags: -A -O -T -C
 * (each also taking `list`, which prints the names and exits 0), -a -e -n -d -x, -q and -V.
 */
import {
  type CodeCategory,
  codeFromName,
  codeTable,
  createUImage,
  formatListing,
  hasFileTable,
  parseUImage,
} from '@initkit/uimage';
import { withFile } from '../file-errors.js';
import { parseHexAddress, readInput } from '../input.js';
import { writeOutput, writeStdout } from '../output.js';
import { UsageError } from '../usage-error.js';
import { VERSION } from '../version.js';

export interface CreateFlags {
  architecture: string;
  os: string;
  type: string;
  compression: string;
  loadAddress: string;
  entryPoint?: string;
  name: string;
  datafile?: string;
  xip?: boolean;
  quiet?: boolean;
  version?: boolean;
}

const LIST_FLAGS: [keyof CreateFlags, CodeCategory, string][] = [
  ['architecture', 'arch', 'architectures'],
  ['os', 'os', 'operating systems'],
  ['type', 'type', 'image types'],
  ['compression', 'comp', 'compressions'],
];

export function nameToCode(category: CodeCategory, name: string): number {
  const code = codeFromName(category, name);
  if (code === undefined) {
    throw new UsageError(`invalid ${category} "${name}" (\`-${FLAG_LETTER[category]} list\` shows the names)`);
  }
  return code;
}

const FLAG_LETTER: Record<CodeCategory, string> = { arch: 'A', os: 'O', type: 'T', comp: 'C' };

/** mkimage's `-T list` table: a tab, the short name padded to 15, two spaces, the long name. */
export function formatCodeList(category: CodeCategory): string {
  return codeTable(category)
    .map(({ short, long }) => `\t${short.padEnd(15)}  ${long}\n`)
    .join('');
}

export async function createAction(output: string | undefined, flags: CreateFlags): Promise<void> {
  if (flags.version) {
    await writeStdout(`initkit version ${VERSION}\n`);
    return;
  }
  const lists = LIST_FLAGS.filter(([flag]) => flags[flag] === 'list');
  if (lists.length > 0) {
    // As mkimage: the supported names, exit 0 (on stdout here, so they can be piped).
    for (const [, category, words] of lists) await writeStdout(`Supported ${words}:\n${formatCodeList(category)}`);
    return;
  }
  if (output === undefined) throw new UsageError('missing the output image file name');
  if (flags.datafile === undefined) throw new UsageError('missing -d DATAFILE (the data to put in the image)');
  const codes = {
    arch: nameToCode('arch', flags.architecture),
    os: nameToCode('os', flags.os),
    type: nameToCode('type', flags.type),
    comp: nameToCode('comp', flags.compression),
  };
  const paths = flags.datafile.split(':');
  if (paths.length > 1 && !hasFileTable(codes.type)) {
    throw new UsageError(`several data files (${flags.datafile}) need -T multi or -T script`);
  }
  const files = await Promise.all(paths.map((path) => withFile(path, 'the -d data file', () => readInput(path))));
  const image = createUImage({
    arch: codes.arch,
    os: codes.os,
    type: codes.type,
    compression: codes.comp,
    load: parseHexAddress(flags.loadAddress, 'load address'),
    entry: flags.entryPoint === undefined ? undefined : parseHexAddress(flags.entryPoint, 'entry point'),
    name: flags.name,
    executeInPlace: flags.xip === true,
    files,
  });
  await withFile(output, 'the output image', () => writeOutput(output, image));
  if (output !== '-' && !flags.quiet) await writeStdout(Buffer.from(formatListing(parseUImage(image)), 'latin1'));
}
