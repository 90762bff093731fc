/**
 * The JSON form of a tree and of a property: plain data (no bigint, no Uint8Array), with each value
 * typed as formatDts would print it, so scripts can read a .dtb without a DTS parser.
 */
import { formatValueKind } from './kind.js';
import type { Fdt, FdtNode, FdtProperty } from './model.js';

export type FdtValueJson =
  | { type: 'empty' }
  | { type: 'strings'; value: string[] }
  | { type: 'cells'; value: number[] }
  | { type: 'bytes'; value: string };

export type FdtPropertyJson = { name: string; length: number } & FdtValueJson;

export interface FdtNodeJson {
  name: string;
  path: string;
  properties: FdtPropertyJson[];
  children: FdtNodeJson[];
}

export interface FdtJson {
  version: number;
  lastCompatibleVersion: number;
  bootCpuidPhys: number;
  /** Addresses and sizes as "0x..." strings (they are 64-bit). */
  reservations: Array<{ address: string; size: string }>;
  root: FdtNodeJson;
}

export function fdtToJson(tree: Fdt): FdtJson {
  return {
    version: tree.version,
    lastCompatibleVersion: tree.lastCompatibleVersion,
    bootCpuidPhys: tree.bootCpuidPhys,
    reservations: tree.reservations.map(({ address, size }) => ({
      address: `0x${address.toString(16)}`,
      size: `0x${size.toString(16)}`,
    })),
    root: nodeToJson(tree.root, '/'),
  };
}

export function nodeToJson(node: FdtNode, path: string): FdtNodeJson {
  const prefix = path === '/' ? '/' : `${path}/`;
  return {
    name: node.name,
    path,
    properties: node.properties.map(propertyToJson),
    children: node.children.map((child) => nodeToJson(child, prefix + child.name)),
  };
}

export function propertyToJson(property: FdtProperty): FdtPropertyJson {
  return { name: property.name, length: property.value.length, ...valueToJson(property.value) };
}

export function valueToJson(value: Uint8Array): FdtValueJson {
  const kind = formatValueKind(value);
  if (kind === 'empty') return { type: 'empty' };
  if (kind === 'strings') {
    const list: string[] = [];
    let start = 0;
    for (let at = 0; at < value.length; at++) {
      if (value[at] !== 0) continue;
      list.push(String.fromCharCode(...value.subarray(start, at)));
      start = at + 1;
    }
    return { type: 'strings', value: list };
  }
  if (kind === 'cells') {
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    const cells: number[] = [];
    for (let at = 0; at < value.length; at += 4) cells.push(view.getUint32(at));
    return { type: 'cells', value: cells };
  }
  let hex = '';
  for (const byte of value) hex += byte.toString(16).padStart(2, '0');
  return { type: 'bytes', value: hex };
}
