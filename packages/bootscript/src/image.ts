/**
 * Script images: a legacy uImage of type script whose payload is a one-file multi table. Unwrapping
 * returns exactly the bytes U-Boot's `source` runs (the first file of the table, cut at a NUL as
 * U-Boot's string handling cuts it); wrapping builds what `mkimage -A arm -O linux -T script -C none`
 * builds, byte for byte.
 */
import { createUImage, isUImage, parseUImage, UIMAGE_TYPE, type UImageHeader } from '@initkit/uimage';
import { bootscriptError } from './errors.js';

export interface ScriptImage {
  header: UImageHeader;
  /** The script's bytes: the first file of the size table (a view into the input). */
  bytes: Uint8Array;
  /** The script as text (UTF-8, or Latin-1 when the bytes are not valid UTF-8). */
  text: string;
}

export interface UnwrapOptions {
  /** Check the payload CRC (default true, as U-Boot unless `verify=n`). */
  verifyChecksums?: boolean;
  /** @deprecated Since 0.2.0: use `verifyChecksums` (the name every initkit package uses). */
  verifyDataCrc?: boolean;
}

export interface WrapOptions {
  /** Image name, at most 32 bytes kept (mkimage -n). */
  name?: string;
  /** Header time in Unix seconds; default SOURCE_DATE_EPOCH or now, as mkimage. */
  time?: number;
  /** Default 'arm' (U-Boot does not check it for scripts). */
  arch?: string | number;
  /** Default 'linux'. */
  os?: string | number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Script bytes as text, as U-Boot sees them: up to the first NUL. */
export function decodeScriptText(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  const visible = nul < 0 ? bytes : bytes.subarray(0, nul);
  try {
    return utf8.decode(visible);
  } catch {
    return latin1.decode(visible);
  }
}

/** True for a uImage whose type is script. */
export function isScriptImage(bytes: Uint8Array): boolean {
  return isUImage(bytes) && bytes[30] === UIMAGE_TYPE.script;
}

/** The script inside a script image; throws UIMAGE_* for a damaged image, BOOTSCRIPT_* for a non-script. */
export function unwrapScriptImage(bytes: Uint8Array, options: UnwrapOptions = {}): ScriptImage {
  const image = parseUImage(bytes, { verifyChecksums: options.verifyChecksums ?? options.verifyDataCrc ?? true });
  if (image.header.type !== UIMAGE_TYPE.script) {
    throw bootscriptError(
      'BOOTSCRIPT_NOT_SCRIPT',
      `expected a uImage of type script (6), found type ${image.header.type}`,
      { offset: 30 },
    );
  }
  const first = image.files[0];
  if (first === undefined || first.length === 0) {
    throw bootscriptError('BOOTSCRIPT_EMPTY', 'script image holds no script (its size table starts with 0)', {
      offset: 64,
    });
  }
  return { header: image.header, bytes: first, text: decodeScriptText(first) };
}

/** Wraps script text (UTF-8) or bytes into a script image, byte-identical to mkimage -T script -C none. */
export function wrapScriptImage(script: string | Uint8Array, options: WrapOptions = {}): Uint8Array {
  const data = typeof script === 'string' ? new TextEncoder().encode(script) : script;
  return createUImage({
    files: [data],
    type: 'script',
    compression: 'none',
    arch: options.arch ?? 'arm',
    os: options.os ?? 'linux',
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.time === undefined ? {} : { time: options.time }),
  });
}
