/**
 * `initkit uimage list` (exactly `mkimage -l`, or JSON) and `initkit uimage extract` (as
 * `dumpimage -p N -o OUT`, the output created 0600 as dumpimage creates it).
 */
import { InitkitError } from '@initkit/core';
import { formatListing, parseUImage, UIMAGE_TYPE, type UImage, uimageToJson } from '@initkit/uimage';
import { withFile } from '../file-errors.js';
import { parseCount, readInput } from '../input.js';
import { printJson, writeOutput, writeStdout } from '../output.js';
import { nameToCode } from './uimage-create.js';

function readImage(file: string): Promise<Uint8Array> {
  return withFile(file, 'the uImage', () => readInput(file));
}

export async function listAction(file: string, flags: { json?: boolean; verify: boolean }): Promise<void> {
  const image = parseUImage(await readImage(file), { verifyDataCrc: flags.verify });
  if (flags.json) printJson(uimageToJson(image));
  else await writeStdout(Buffer.from(formatListing(image), 'latin1'));
}

export async function extractAction(
  file: string,
  flags: { position: string; output: string; type?: string; verify: boolean },
): Promise<void> {
  if (flags.type !== undefined) nameToCode('type', flags.type);
  const position = parseCount(flags.position, 'position');
  const image = parseUImage(await readImage(file), { verifyDataCrc: flags.verify });
  const data = extractFile(image, position, file);
  await withFile(flags.output, 'the -o output', () => writeOutput(flags.output, data, 0o600));
}

/** dumpimage's rule: multi images give file N; every other type gives its whole payload. */
function extractFile(image: UImage, position: number, path: string): Uint8Array {
  if (image.header.type !== UIMAGE_TYPE.multi) return image.payload;
  const file = image.files[position];
  if (file === undefined) {
    // A failure, not a usage error: the position is well formed, the image has no such file.
    throw new InitkitError(
      'UIMAGE_NO_SUCH_FILE',
      `no file ${position} in ${path}: it holds ${image.files.length} (positions 0..${image.files.length - 1})`,
    );
  }
  return file;
}
