/**
 * formatDts: the text `dtc -I dtb -O dts` prints for a tree (dtc 1.6's treesource.c). A blob carries
 * no types, so each value's form is guessed as dtc guesses it (kind.ts).
 */
import { formatValueKind } from './kind.js';
import type { Fdt, FdtNode } from './model.js';

const HEX = '0123456789abcdef';

export function formatDts(tree: Fdt): string {
  const parts: string[] = ['/dts-v1/;\n\n'];
  for (const { address, size } of tree.reservations) {
    parts.push(`/memreserve/\t0x${hex64(address)} 0x${hex64(size)};\n`);
  }
  writeNode(parts, tree.root, '');
  return parts.join('');
}

function hex64(value: bigint): string {
  return BigInt.asUintN(64, value).toString(16).padStart(16, '0');
}

function writeNode(parts: string[], node: FdtNode, indent: string): void {
  parts.push(`${indent}${node.name === '' ? '/' : node.name} {\n`);
  const inner = `${indent}\t`;
  const { properties, children } = node;
  for (let index = 0; index < properties.length; index++) {
    const { name, value } = properties[index]!;
    parts.push(value.length === 0 ? `${inner}${name};\n` : `${inner}${name} = ${formatValue(value)};\n`);
  }
  for (let index = 0; index < children.length; index++) {
    parts.push('\n');
    writeNode(parts, children[index]!, inner);
  }
  parts.push(`${indent}};\n`);
}

/** A non-empty value in DTS syntax, without the trailing ';'. */
export function formatValue(value: Uint8Array): string {
  const kind = formatValueKind(value);
  if (kind === 'strings') return formatString(value);
  if (kind === 'cells') return formatCells(value);
  return formatBytes(value);
}

const ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  92: '\\\\',
  34: '\\"',
  0: '\\0',
};

/** dtc 1.6 writes the whole value as ONE quoted string, inner NULs as \0 ("a\0b"). */
function formatString(value: Uint8Array): string {
  let text = '"';
  const end = value.length - 1;
  let runStart = 0;
  for (let index = 0; index < end; index++) {
    const byte = value[index]!;
    const escaped = byte < 0x20 || byte === 0x5c || byte === 0x22 ? ESCAPES[byte] : undefined;
    if (escaped === undefined) continue;
    text += latin1(value, runStart, index) + escaped;
    runStart = index + 1;
  }
  text += latin1(value, runStart, end);
  return `${text}"`;
}

/** Bytes to one character each, in chunks small enough for fromCharCode's argument limit. */
function latin1(value: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let at = start; at < end; at += 8192) {
    const chunk = value.subarray(at, Math.min(end, at + 8192));
    text += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return text;
}

function formatCells(value: Uint8Array): string {
  let text = '<';
  for (let at = 0; at < value.length; at += 4) {
    const cell = ((value[at]! << 24) | (value[at + 1]! << 16) | (value[at + 2]! << 8) | value[at + 3]!) >>> 0;
    // dtc prints "0x%02x": at least two hex digits.
    text += (at === 0 ? '0x' : ' 0x') + (cell < 16 ? `0${HEX[cell]}` : cell.toString(16));
  }
  return `${text}>`;
}

function formatBytes(value: Uint8Array): string {
  let text = '[';
  for (let index = 0; index < value.length; index++) {
    const byte = value[index]!;
    text += (index === 0 ? '' : ' ') + HEX[byte >> 4] + HEX[byte & 15];
  }
  return `${text}]`;
}
