/**
 * /chosen, where a boot loader (or kexec) tells the kernel its command line and where the initrd lies.
 * setChosen writes bootargs, then linux,initrd-start, then linux,initrd-end with libfdt's semantics,
 * in the order kexec-tools sets them, creating /chosen as the root's first child when missing; on a tree
 * (setChosen) or in place on a blob (setChosenInBlob).
 */

import type { FdtBlob } from './blob-rw.js';
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
  // Encode everything first so a bad value leaves the tree untouched.
  const encoded = encodeChosen(values, options);
  const chosen = ensureNode(tree, '/chosen');
  for (const [name, value] of encoded) setProperty(chosen, name, value);
}

/**
 * setChosen on a blob opened with FdtBlob.open, edited in place as libfdt (and kexec-tools) edit it:
 * /chosen added as the root's first child when missing, then each property set in the same order.
 * With no value to set nothing changes (kexec-tools' setup_dtb_prop adds /chosen only with a property).
 */
export function setChosenInBlob(blob: FdtBlob, values: ChosenValues, options: SetChosenOptions = {}): void {
  const encoded = encodeChosen(values, options);
  if (encoded.length === 0) return;
  const chosen = blob.subnode(blob.root, 'chosen') ?? blob.addSubnode(blob.root, 'chosen');
  for (const [name, value] of encoded) blob.setProperty(chosen, name, value);
}

/** The /chosen properties to set, in kexec-tools' order: bootargs, linux,initrd-start, linux,initrd-end. */
function encodeChosen(values: ChosenValues, options: SetChosenOptions): Array<[string, Uint8Array]> {
  const cellBytes = options.cellBytes ?? 4;
  if (cellBytes !== 4 && cellBytes !== 8) {
    throw fdtError('FDT_BAD_OPTION', `cellBytes: expected 4 or 8, found ${String(cellBytes)}`);
  }
  const encoded: Array<[string, Uint8Array]> = [];
  if (values.bootargs !== undefined) encoded.push(['bootargs', encodeString(values.bootargs)]);
  if (values.initrdStart !== undefined) {
    encoded.push(['linux,initrd-start', encodeAddress(values.initrdStart, cellBytes, 'initrdStart')]);
  }
  if (values.initrdEnd !== undefined) {
    encoded.push(['linux,initrd-end', encodeAddress(values.initrdEnd, cellBytes, 'initrdEnd')]);
  }
  return encoded;
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
