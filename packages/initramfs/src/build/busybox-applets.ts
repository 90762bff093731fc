/**
 * Which applets a busybox binary provides, read from the file and never by running it (it may be built
 * for another architecture). busybox keeps its applet names in one array, `applet_names`: the names
 * sorted by strcmp (its applet lookup is a binary search), each ending in a NUL, the whole ending in a
 * second NUL ("[\0[[\0acpid\0...\0zcat\0\0"). The reader first asks for busybox's banner ("BusyBox v",
 * which every build keeps for its usage text), then walks the ELF's PT_LOAD segments for the longest run
 * of NUL-terminated applet-like names in strictly ascending byte order followed by an empty string;
 * Debian's busybox-static (269 applets) and a minimal one (24) have exactly their table as that run.
 */
import { initramfsError } from '../errors.js';
import { readElfInfo } from './elf-info.js';

/** busybox's longest applet name is 19 bytes (run-parts, setlogcons, ...); 32 leaves room. */
const MAX_NAME_BYTES = 32;
const NUL = 0;
const BANNER = new TextEncoder().encode('BusyBox v');

function contains(bytes: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0]!;
  for (
    let at = bytes.indexOf(first);
    at >= 0 && at + needle.length <= bytes.length;
    at = bytes.indexOf(first, at + 1)
  ) {
    let i = 1;
    while (i < needle.length && bytes[at + i] === needle[i]) i++;
    if (i === needle.length) return true;
  }
  return false;
}

/** A byte an applet name may hold: a-z 0-9 _ . - [ (the first byte: a-z or [). */
function nameByte(byte: number, first: boolean): boolean {
  if ((byte >= 0x61 && byte <= 0x7a) || byte === 0x5b) return true;
  return !first && ((byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2e || byte === 0x2d);
}

function isName(bytes: Uint8Array, start: number, end: number): boolean {
  if (end <= start || end - start > MAX_NAME_BYTES) return false;
  for (let at = start; at < end; at++) if (!nameByte(bytes[at]!, at === start)) return false;
  return true;
}

/** strcmp order of bytes[a..aEnd) and bytes[b..bEnd). */
function compareBytes(bytes: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): number {
  const length = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < length; i++) {
    const difference = bytes[a + i]! - bytes[b + i]!;
    if (difference !== 0) return difference;
  }
  return aEnd - a - (bEnd - b);
}

/** The longest NUL-ended ascending run of names in bytes[start..end) that ends at a double NUL. */
function longestTable(bytes: Uint8Array, start: number, end: number): { at: number; names: [number, number][] } {
  let best: { at: number; names: [number, number][] } = { at: -1, names: [] };
  let run: [number, number][] = [];
  let stringStart = start;
  for (let at = start; at < end; at++) {
    if (bytes[at] !== NUL) continue;
    const previous = run[run.length - 1];
    if (isName(bytes, stringStart, at)) {
      if (previous !== undefined && compareBytes(bytes, previous[0], previous[1], stringStart, at) >= 0) run = [];
      run.push([stringStart, at]);
    } else {
      // The table's end is an empty string right after its last name; anything else ends the run unseen.
      if (stringStart === at && run.length > best.names.length) best = { at: run[0]![0], names: run };
      run = [];
    }
    stringStart = at + 1;
  }
  return best;
}

/**
 * The applet names of the busybox in `bytes`, sorted as busybox sorts them; `source` names the file in
 * errors. Throws INITRAMFS_BAD_BUSYBOX when the file holds no applet table (it is not busybox).
 */
export function readBusyboxApplets(bytes: Uint8Array, source: string): string[] {
  const elf = readElfInfo(bytes, source);
  if (!contains(bytes, BANNER)) {
    throw initramfsError('INITRAMFS_BAD_BUSYBOX', 'expected busybox (its "BusyBox v" banner), found no banner', {
      source,
    });
  }
  let best: { at: number; names: [number, number][] } = { at: -1, names: [] };
  for (const load of elf.loads) {
    const start = Math.min(load.offset, bytes.length);
    const found = longestTable(bytes, start, Math.min(load.offset + load.size, bytes.length));
    if (found.names.length > best.names.length) best = found;
  }
  if (best.names.length < 2) {
    throw initramfsError(
      'INITRAMFS_BAD_BUSYBOX',
      `expected busybox's applet name table (sorted NUL-separated names ending in a double NUL), found none: is it busybox?`,
      { source },
    );
  }
  const decoder = new TextDecoder('latin1');
  return best.names.map(([start, end]) => decoder.decode(bytes.subarray(start, end)));
}

/** The applets of `needed` that `provided` lacks, in `needed`'s order. */
export function missingApplets(provided: readonly string[], needed: readonly string[]): string[] {
  const have = new Set(provided);
  return needed.filter((applet) => !have.has(applet));
}
