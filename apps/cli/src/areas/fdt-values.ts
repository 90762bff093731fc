/**
 * fdtget's and fdtput's value formats (dtc 1.6.1 util.c, fdtget.c, fdtput.c): the -t type string
 * ([hh|b|h|l] + s|i|u|x), how fdtget prints a value (strings joined by spaces, else cells or bytes
 * through printf %d/%i/%u/%x) and how fdtput encodes its arguments (strings, or cells parsed with
 * sscanf's rules for that conversion).
 */
import { InitkitError } from '@initkit/core';
import { UsageError } from '../usage-error.js';

export interface ValueType {
  /** 's', 'i', 'u', 'x', or undefined for fdtget's guess / fdtput's decimal. */
  conversion: 's' | 'i' | 'u' | 'x' | undefined;
  /** Bytes per item: 1, 2 or 4; undefined when not given (4, or fdtget's guess). */
  size: 1 | 2 | 4 | undefined;
}

export const DEFAULT_TYPE: ValueType = { conversion: undefined, size: undefined };

/** utilfdt_decode_type: an optional hh/b/h/l qualifier, then one of s, i, u, x. */
export function parseValueType(text: string): ValueType {
  const match = /^(hh|b|h|l|L)?([siux])$/.exec(text);
  if (match === null) {
    throw new UsageError(`invalid type string "${text}": expected [hh|b|h|l] followed by s, i, u or x`);
  }
  const qualifier = match[1];
  const conversion = match[2] as 's' | 'i' | 'u' | 'x';
  if (conversion === 's') return { conversion, size: undefined };
  const size = qualifier === 'hh' || qualifier === 'b' ? 1 : qualifier === 'h' ? 2 : qualifier === 'l' ? 4 : undefined;
  return { conversion, size };
}

/** util_is_printable_string: non-empty, NUL-terminated, every string non-empty and isprint. */
function isPrintableStringList(value: Uint8Array): boolean {
  if (value.length === 0 || value[value.length - 1] !== 0) return false;
  let start = 0;
  for (let at = 0; at < value.length; at++) {
    const byte = value[at]!;
    if (byte === 0) {
      if (at === start) return false;
      start = at + 1;
    } else if (byte < 0x20 || byte > 0x7e) {
      return false;
    }
  }
  return true;
}

/** What fdtget prints for a value (without the newline), as Latin-1 text; FDT_BAD_VALUE where it fails. */
export function formatFdtgetValue(value: Uint8Array, type: ValueType, where: string): string {
  if (value.length === 0) return '';
  if (type.conversion === 's' || (type.conversion === undefined && isPrintableStringList(value))) {
    if (value[value.length - 1] !== 0) {
      throw new InitkitError('FDT_BAD_VALUE', `${where}: unterminated string (the value does not end in NUL)`);
    }
    // printf("%s") of each string in turn, separated by spaces.
    const strings: string[] = [];
    let start = 0;
    while (start < value.length) {
      let end = start;
      while (value[end] !== 0) end++;
      strings.push(String.fromCharCode(...value.subarray(start, end)));
      start = end + 1;
    }
    return strings.join(' ');
  }
  const size = type.size ?? (value.length % 4 === 0 ? 4 : 1);
  if (value.length % size !== 0) {
    throw new InitkitError(
      'FDT_BAD_VALUE',
      `${where}: property length ${value.length} is not a multiple of the selected data size ${type.size}`,
    );
  }
  const items: string[] = [];
  for (let at = 0; at < value.length; at += size) {
    const item =
      size === 4
        ? ((value[at]! << 24) | (value[at + 1]! << 16) | (value[at + 2]! << 8) | value[at + 3]!) >>> 0
        : size === 2
          ? (value[at]! << 8) | value[at + 1]!
          : value[at]!;
    items.push(printInt(item, type.conversion));
  }
  return items.join(' ');
}

/** printf of a C int: %d and %i signed, %u unsigned, %x lowercase hex of the unsigned bits. */
function printInt(value: number, conversion: ValueType['conversion']): string {
  if (conversion === 'x') return value.toString(16);
  if (conversion === 'u') return String(value >>> 0);
  return String(value | 0);
}

/**
 * fdtput's encode_value: each argument a NUL-terminated string (-t s), or an item of `size` bytes
 * (default 4) parsed as sscanf's %d, %i, %u or %x would. Arguments that are not numbers are refused
 * (fdtput would store an undefined value). -t h stores two big-endian bytes (fdtput 1.6.1 fills only
 * the first of the two).
 */
export function encodeFdtputValue(args: readonly string[], type: ValueType): Uint8Array {
  if (type.conversion === 's') {
    const encoder = new TextEncoder();
    const parts = args.map((arg) => encoder.encode(arg));
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length + 1, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length + 1;
    }
    return out;
  }
  const size = type.size ?? 4;
  const out = new Uint8Array(args.length * size);
  args.forEach((arg, index) => {
    const value = scanInteger(arg, type.conversion);
    const at = index * size;
    if (size === 4) {
      out[at] = (value >>> 24) & 0xff;
      out[at + 1] = (value >>> 16) & 0xff;
      out[at + 2] = (value >>> 8) & 0xff;
      out[at + 3] = value & 0xff;
    } else if (size === 2) {
      out[at] = (value >>> 8) & 0xff;
      out[at + 1] = value & 0xff;
    } else {
      out[at] = value & 0xff;
    }
  });
  return out;
}

/** sscanf %d / %u (decimal), %x (hex, optional 0x), %i (0x hex, 0 octal, else decimal), sign allowed. */
function scanInteger(text: string, conversion: ValueType['conversion']): number {
  const match = /^\s*([+-]?)(.*)$/s.exec(text)!;
  const negative = match[1] === '-';
  let digits = match[2]!;
  let base = 10;
  if (conversion === 'x') {
    base = 16;
    digits = digits.replace(/^0[xX](?=[0-9a-fA-F])/, '');
  } else if (conversion === 'i') {
    if (/^0[xX][0-9a-fA-F]/.test(digits)) {
      base = 16;
      digits = digits.slice(2);
    } else if (/^0[0-7]/.test(digits)) {
      base = 8;
    }
  }
  const pattern = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) {
    throw new UsageError(`invalid value "${text}": expected a ${base === 16 ? 'hexadecimal' : 'decimal'} integer`);
  }
  let magnitude = 0n;
  for (const digit of digits) magnitude = magnitude * BigInt(base) + BigInt(Number.parseInt(digit, 16));
  if (magnitude > 0xffffffffffffffffn) throw new UsageError(`invalid value "${text}": out of range`);
  return Number(BigInt.asUintN(32, negative ? -magnitude : magnitude));
}
