/**
 * `initkit compress detect`, and what detect and decode say about a uImage: its 64-byte header hides
 * the compression magic, so they name the wrapper and the compression inside ("a uImage around gzip")
 * instead of "unknown".
 */
import { type Detection, detect } from '@initkit/compress';
import { isUImage, parseUImage, UIMAGE_HEADER_SIZE } from '@initkit/uimage';
import { withFile } from '../file-errors.js';
import { readInput } from '../input.js';
import { printJson, writeStdout } from '../output.js';
import { type NamedCode, namedCode } from '../uimage-json.js';

export interface UImageWrapper {
  type: NamedCode;
  compression: NamedCode;
  payloadOffset: number;
  payload: Uint8Array;
  inside: Detection;
}

/** The uImage around the bytes, if there is one whose header checks out (data CRC not required). */
export function uimageWrapper(bytes: Uint8Array): UImageWrapper | undefined {
  if (!isUImage(bytes)) return undefined;
  let image: ReturnType<typeof parseUImage>;
  try {
    image = parseUImage(bytes, { verifyDataCrc: false });
  } catch {
    return undefined;
  }
  return {
    type: namedCode('type', image.header.type),
    compression: namedCode('comp', image.header.compression),
    payloadOffset: UIMAGE_HEADER_SIZE,
    payload: image.payload,
    inside: detect(image.payload.subarray(0, 16)),
  };
}

/** One sentence for a person: what the wrapper holds and how to take it off. */
export function describeWrapper(file: string, wrapper: UImageWrapper): string {
  return `a uImage (${wrapper.type.name ?? wrapper.type.code}) around ${wrapper.inside.description}: \`initkit compress decode ${file}\` decodes its payload; \`initkit uimage extract -o PAYLOAD ${file}\` unwraps it`;
}

export async function detectAction(files: string[], flags: { json?: boolean }): Promise<void> {
  const results = [];
  for (const file of files) {
    const bytes = await withFile(file, 'a file to inspect', () => readInput(file));
    const wrapper = uimageWrapper(bytes);
    if (wrapper) {
      const { inside, payload: _payload, ...uimage } = wrapper;
      results.push({ file, ...inside, uimage, text: describeWrapper(file, wrapper) });
    } else {
      const detection = detect(bytes.subarray(0, 16));
      results.push({ file, ...detection, text: detection.description });
    }
  }
  if (flags.json) {
    printJson(results.map(({ text: _text, ...result }) => result));
    return;
  }
  for (const result of results) {
    await writeStdout(
      `${result.file}: ${result.text}${result.kernelSupported ? '' : ' [the kernel does not load this]'}\n`,
    );
  }
}
