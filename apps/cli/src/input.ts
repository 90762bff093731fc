/**
 * Reading input files for commands: whole files with a size limit, and hex addresses as mkimage
 * parses them.
 */
import { readFileLimited } from '@initkit/core/node';
import { UsageError } from './usage-error.js';

export function readInput(path: string, maxBytes?: number): Promise<Uint8Array> {
  return readFileLimited(path, maxBytes);
}

/** Parses a hex number as mkimage does for -a/-e (optional 0x, cut to 32 bits). */
export function parseHexAddress(text: string, what: string): number {
  const match = /^\s*(?:0[xX])?([0-9a-fA-F]*)$/.exec(text);
  if (!match) throw new UsageError(`invalid ${what} ${text}: expected a hexadecimal number`);
  const digits = match[1] || '0';
  return Number(BigInt(`0x${digits}`) & 0xffffffffn);
}

/** Parses a non-negative decimal integer option. */
export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${what} ${text}: expected a non-negative integer`);
  return Number(text);
}
