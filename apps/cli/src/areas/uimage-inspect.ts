/**
 * `initkit uimage list` (exactly `mkimage -l`, or JSON) and `initkit uimage extract` (as
 * `dumpimage -p N -o OUT`, the output created 0600 as dumpimage creates it).
 */
import { InitkitError } from '@initkit/core';
import {
  formatListing,
  hasFileTable,
  parseUImage,
  UIMAGE_HEADER_SIZE,
  UIMAGE_TYPE,
  type UImage,
} from '@initkit/uimage';
import { withFile } from '../file-errors.js';
import { parseCount, readInput } from '../input.js';
import { printJson, writeOutput, writeStdout } from '../output.js';
import { namedHeaderCodes } from '../uimage-json.js';
import { nameToCode } from './uimage-create.js';

function readImage(file: string): Promise<Uint8Array> {
  return withFile(file, 'the uImage', () => readInput(file));
}

export async function listAction(file: string, flags: { json?: boolean; verify: boolean }): Promise<void> {
  const image = parseUImage(await readImage(file), { verifyDataCrc: flags.verify });
  if (flags.json) printJson(imageToJson(image));
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

/**
 * The JSON form of an image: every header field, os/arch/type/compression as { code, name }, and
 * where each file lies as an offset in the image file.
 */
export function imageToJson(image: UImage) {
  const { header } = image;
  let offset = UIMAGE_HEADER_SIZE + (hasFileTable(header.type) ? 4 * (image.files.length + 1) : 0);
  const files = image.files.map((file, index) => {
    const entry = { index, offset, size: file.length };
    offset += file.length + ((4 - (file.length % 4)) % 4);
    return entry;
  });
  const hex = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;
  return {
    name: header.name,
    created: new Date(header.time * 1000).toISOString(),
    time: header.time,
    ...namedHeaderCodes(header),
    size: header.size,
    payloadOffset: UIMAGE_HEADER_SIZE,
    loadAddress: hex(header.load),
    entryPoint: hex(header.entry),
    headerCrc: hex(header.headerCrc),
    dataCrc: hex(header.dataCrc),
    dataCrcOk: image.dataCrcOk,
    files,
  };
}
