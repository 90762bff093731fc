/**
 * /chosen, where a boot loader (or kexec) tells the kernel its command line and where the initrd lies.
 * setChosen writes bootargs, then linux,initrd-start, then linux,initrd-end with libfdt's semantics,
 * in the order kexec-tools sets them, creating /chosen as the root's first child when missing.
 */

import { ensureNode, setProperty } from './edit.js';
import { fdtError } from './errors.js';
import type { Fdt } from './model.js';
import { findNode } from './path.js';
import { findProperty } from './property.js';
import { decodeStringList, encodeString, encodeU32, encodeU64 } from './values.js';

export interface ChosenValues {
  /** The kernel command line. */
  bootargs?: string;
  /** Physical address of the first byte of the initrd. */
  initrdStart?: number | bigint;
  /** Physical address one past the initrd's last byte. */
  initrdEnd?: number | bigint;
}

export interface SetChosenOptions {
  /** Width of the initrd addresses: 4 (one cell, what kexec-tools writes on arm) or 8. Default 4. */
  cellBytes?: 4 | 8;
}

export function setChosen(tree: Fdt, values: ChosenValues, options: SetChosenOptions = {}): void {
  const cellBytes = options.cellBytes ?? 4;
  if (cellBytes !== 4 && cellBytes !== 8) {
    throw fdtError('FDT_BAD_OPTION', `cellBytes: expected 4 or 8, found ${String(cellBytes)}`);
  }
  // Encode everything first so a bad value leaves the tree untouched.
  const bootargs = values.bootargs === undefined ? undefined : encodeString(values.bootargs);
  const start =
    values.initrdStart === undefined ? undefined : encodeAddress(values.initrdStart, cellBytes, 'initrdStart');
  const end = values.initrdEnd === undefined ? undefined : encodeAddress(values.initrdEnd, cellBytes, 'initrdEnd');
  const chosen = ensureNode(tree, '/chosen');
  if (bootargs !== undefined) setProperty(chosen, 'bootargs', bootargs);
  if (start !== undefined) setProperty(chosen, 'linux,initrd-start', start);
  if (end !== undefined) setProperty(chosen, 'linux,initrd-end', end);
}

function encodeAddress(value: number | bigint, cellBytes: 4 | 8, what: string): Uint8Array {
  const big = BigInt(value);
  const max = cellBytes === 4 ? 0xffffffffn : 0xffffffffffffffffn;
  if (big < 0n || big > max) {
    throw fdtError('FDT_BAD_OPTION', `${what}: expected 0 to ${max} for ${cellBytes}-byte cells, found ${big}`);
  }
  return cellBytes === 4 ? encodeU32(Number(big)) : encodeU64(big);
}

/** What /chosen holds now; initrd addresses are read from 4- or 8-byte values. */
export function getChosen(tree: Fdt): ChosenValues {
  const chosen = findNode(tree, '/chosen');
  if (chosen === undefined) return {};
  const result: ChosenValues = {};
  const bootargs = findProperty(chosen, 'bootargs');
  if (bootargs !== undefined && bootargs.value.length > 0) result.bootargs = decodeStringList(bootargs.value)[0]!;
  const start = findProperty(chosen, 'linux,initrd-start');
  if (start !== undefined) result.initrdStart = decodeAddress(start.value, 'linux,initrd-start');
  const end = findProperty(chosen, 'linux,initrd-end');
  if (end !== undefined) result.initrdEnd = decodeAddress(end.value, 'linux,initrd-end');
  return result;
}

function decodeAddress(value: Uint8Array, name: string): bigint {
  if (value.length !== 4 && value.length !== 8) {
    throw fdtError('FDT_BAD_VALUE', `/chosen property "${name}": expected 4 or 8 bytes, found ${value.length}`);
  }
  const view = new DataView(value.buffer, value.byteOffset, value.length);
  return value.length === 4 ? BigInt(view.getUint32(0)) : view.getBigUint64(0);
}
