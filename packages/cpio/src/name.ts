/**
 * cpio names are bytes: this is the one place they become text and back, losslessly. Valid UTF-8 is
 * decoded as usual; each byte of an invalid sequence becomes the lone surrogate U+DC80+(byte-0x80)
 * (Python's "surrogateescape"), so distinct byte names are distinct strings and encoding gives the
 * bytes back. Printing goes through `escapeCpioName`, never through the raw string.
 */
import { cpioError } from './errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** The first escape surrogate (byte 0x80) and the last (byte 0xff). */
const ESCAPE_FIRST = 0xdc80;
const ESCAPE_LAST = 0xdcff;
/** Any UTF-16 surrogate code unit: the fast paths below fall back to the careful ones when one occurs. */
const HAS_SURROGATE = /[\ud800-\udfff]/;

/** True when the code unit at `i` is an escaped byte (not the low half of a surrogate pair). */
function isEscapeAt(name: string, i: number): boolean {
  const unit = name.charCodeAt(i);
  if (unit < ESCAPE_FIRST || unit > ESCAPE_LAST) return false;
  const before = i > 0 ? name.charCodeAt(i - 1) : 0;
  return !(before >= 0xd800 && before <= 0xdbff);
}

/** Length of the valid UTF-8 sequence at `i`, or 0 when the byte there does not start one. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  const cont = (k: number) => i + k < bytes.length && (bytes[i + k]! & 0xc0) === 0x80;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const b1 = bytes[i + 1]!;
    if (b0 === 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b0 === 0xed && b1 >= 0xa0) return 0; // a surrogate: not UTF-8
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const b1 = bytes[i + 1]!;
    if (b0 === 0xf0 && b1 < 0x90) return 0; // overlong
    if (b0 === 0xf4 && b1 >= 0x90) return 0; // past U+10FFFF
    return 4;
  }
  return 0;
}

/** The name bytes as a string that keeps every byte (see the top of this file). */
export function decodeCpioName(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Not UTF-8: decode sequence by sequence, escaping each byte that starts no valid sequence.
  }
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      text += String.fromCharCode(ESCAPE_FIRST + bytes[i]! - 0x80);
      i++;
    } else {
      text += strictUtf8.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return text;
}

/**
 * The bytes of a name made by `decodeCpioName` (or of any well-formed string, as UTF-8). A surrogate
 * that is not an escape (U+DC80..U+DCFF standing alone) names no bytes: CPIO_BAD_NAME.
 */
export function encodeCpioName(name: string): Uint8Array {
  if (!HAS_SURROGATE.test(name)) return utf8Encoder.encode(name);
  const out: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (isEscapeAt(name, i)) {
      out.push(unit - ESCAPE_FIRST + 0x80);
      continue;
    }
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = name.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        for (const byte of utf8Encoder.encode(name.slice(i, i + 2))) out.push(byte);
        i++;
        continue;
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      throw cpioError(
        'CPIO_BAD_NAME',
        `cpio name ${escapeCpioName(name)}: lone surrogate U+${unit.toString(16).toUpperCase()} at index ${i} stands for no byte`,
      );
    }
    for (const byte of utf8Encoder.encode(name[i]!)) out.push(byte);
  }
  return Uint8Array.from(out);
}

/** True when the name's bytes are valid UTF-8 (no byte had to be escaped). */
export function isUtf8Name(name: string): boolean {
  if (!HAS_SURROGATE.test(name)) return true;
  for (let i = 0; i < name.length; i++) if (isEscapeAt(name, i)) return false;
  return true;
}

const NAMED_ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  92: '\\\\',
};

/**
 * The name for a terminal or a log line: UTF-8 text as it is, a byte that is not UTF-8 as `\xff`,
 * control characters as `\n`, `\t` or `\x01`, and a backslash as `\\` (so the escapes are
 * unambiguous). Plain names are returned unchanged.
 */
export function escapeCpioName(name: string): string {
  if (!/[\x00-\x1f\x5c\x7f\ud800-\udfff]/.test(name)) return name;
  let text = '';
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    const named = NAMED_ESCAPES[unit];
    if (named !== undefined) text += named;
    else if (unit < 0x20 || unit === 0x7f) text += `\\x${unit.toString(16).padStart(2, '0')}`;
    else if (isEscapeAt(name, i)) text += `\\x${(unit - ESCAPE_FIRST + 0x80).toString(16)}`;
    else text += name[i];
  }
  return text;
}

/** Lower-case hex of the name's bytes (the JSON listings' lossless `nameHex`, given for non-UTF-8 names). */
export function cpioNameHex(name: string): string {
  let hex = '';
  for (const byte of encodeCpioName(name)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The escaped name in double quotes, for error messages (a `"` inside is escaped too). */
export function quoteCpioName(name: string): string {
  return `"${escapeCpioName(name).replace(/"/g, '\\"')}"`;
}
