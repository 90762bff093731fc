/**
 * Property values: encoders (cells, 64-bit cells, strings, string lists) and typed accessors that check
 * the size and form and say what they expected when it is wrong.
 */
import { fdtError } from './errors.js';
import type { FdtNode } from './model.js';
import { findProperty } from './property.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** Big-endian u32 cells; values may be given as numbers from -2^31 to 2^32-1 (stored modulo 2^32). */
export function encodeU32(values: number | readonly number[]): Uint8Array {
  const list = typeof values === 'number' ? [values] : values;
  const out = new Uint8Array(list.length * 4);
  const view = new DataView(out.buffer);
  list.forEach((value, index) => {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
      throw fdtError('FDT_BAD_OPTION', `u32 cell: expected an integer from -2^31 to 2^32-1, found ${value}`);
    }
    view.setUint32(index * 4, value >>> 0);
  });
  return out;
}

/** Big-endian u64 values (two cells each). */
export function encodeU64(values: bigint | number | readonly (bigint | number)[]): Uint8Array {
  const list = typeof values === 'bigint' || typeof values === 'number' ? [values] : values;
  const out = new Uint8Array(list.length * 8);
  const view = new DataView(out.buffer);
  list.forEach((value, index) => {
    const big = BigInt(value);
    if (big < 0n || big > 0xffffffffffffffffn) {
      throw fdtError('FDT_BAD_OPTION', `u64 value: expected 0 to 2^64-1, found ${big}`);
    }
    view.setBigUint64(index * 8, big);
  });
  return out;
}

/** One NUL-terminated UTF-8 string. */
export function encodeString(text: string): Uint8Array {
  return encodeStringList([text]);
}

/** NUL-terminated UTF-8 strings one after another ("a", "b" in DTS). */
export function encodeStringList(list: readonly string[]): Uint8Array {
  const parts = list.map((text) => utf8Encoder.encode(text));
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length + 1, 0));
  let at = 0;
  for (const part of parts) {
    if (part.includes(0)) throw fdtError('FDT_BAD_OPTION', 'string value: a NUL inside a string cannot be stored');
    out.set(part, at);
    at += part.length + 1;
  }
  return out;
}

/** Splits a value into big-endian u32 cells; FDT_BAD_VALUE unless its length is a multiple of 4. */
export function decodeU32Cells(value: Uint8Array, what = 'value'): number[] {
  if (value.length % 4 !== 0) {
    throw fdtError('FDT_BAD_VALUE', `${what}: expected a multiple of 4 bytes (u32 cells), found ${value.length}`);
  }
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const cells: number[] = [];
  for (let at = 0; at < value.length; at += 4) cells.push(view.getUint32(at));
  return cells;
}

/** Splits a value into NUL-terminated UTF-8 strings; FDT_BAD_VALUE if it does not end in NUL. */
export function decodeStringList(value: Uint8Array, what = 'value'): string[] {
  if (value.length === 0 || value[value.length - 1] !== 0) {
    throw fdtError(
      'FDT_BAD_VALUE',
      `${what}: expected NUL-terminated strings, found ${value.length} bytes not ending in NUL`,
    );
  }
  const list: string[] = [];
  let start = 0;
  for (let at = 0; at < value.length; at++) {
    if (value[at] !== 0) continue;
    list.push(utf8Decoder.decode(value.subarray(start, at)));
    start = at + 1;
  }
  return list;
}

/** Joins `count` big-endian cells starting at cell `first` into one number (bigint past 2^53 is exact). */
export function cellsToBigInt(cells: readonly number[], first: number, count: number): bigint {
  let result = 0n;
  for (let index = 0; index < count; index++) result = (result << 32n) | BigInt(cells[first + index]! >>> 0);
  return result;
}

/** The raw value of a property; FDT_NOT_FOUND when the node has none of that name. */
export function getBytes(node: FdtNode, name: string): Uint8Array {
  const property = findProperty(node, name);
  if (property === undefined) {
    throw fdtError('FDT_NOT_FOUND', `node "${node.name || '/'}" has no property "${name}"`);
  }
  return property.value;
}

/** A one-cell property. */
export function getU32(node: FdtNode, name: string): number {
  const value = getBytes(node, name);
  if (value.length !== 4) throw sizeError(node, name, '4 bytes (one u32 cell)', value.length);
  return decodeU32Cells(value)[0]!;
}

/** A two-cell (u64) property. */
export function getU64(node: FdtNode, name: string): bigint {
  const value = getBytes(node, name);
  if (value.length !== 8) throw sizeError(node, name, '8 bytes (one u64)', value.length);
  return new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0);
}

/** A property of u32 cells. */
export function getCells(node: FdtNode, name: string): number[] {
  return decodeU32Cells(getBytes(node, name), `property "${name}" of node "${node.name || '/'}"`);
}

/** The first string of a string property. */
export function getString(node: FdtNode, name: string): string {
  return getStringList(node, name)[0]!;
}

/** Every string of a string-list property ("compatible"). */
export function getStringList(node: FdtNode, name: string): string[] {
  return decodeStringList(getBytes(node, name), `property "${name}" of node "${node.name || '/'}"`);
}

function sizeError(node: FdtNode, name: string, expected: string, found: number) {
  return fdtError(
    'FDT_BAD_VALUE',
    `property "${name}" of node "${node.name || '/'}": expected ${expected}, found ${found} bytes`,
  );
}
