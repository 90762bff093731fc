/**
 * The .modinfo section of a kernel module: NUL-separated `key=value` strings (license, vermagic,
 * depends, alias, softdep, firmware, parm, ...). Runs of NULs count as one separator and leading NULs
 * are padding, as libkmod reads them; an entry without '=' is a key with an empty value.
 */
import { kmodError } from './errors.js';

export interface ModinfoEntry {
  key: string;
  value: string;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Splits a .modinfo section into its entries, in file order. `sectionOffset` is where the section
 * starts in the module file (for error offsets). A section whose last string has no terminating NUL
 * is malformed (modpost always writes one): KMOD_ELF_CORRUPT.
 */
export function parseModinfo(section: Uint8Array, sectionOffset = 0): ModinfoEntry[] {
  const entries: ModinfoEntry[] = [];
  const end = section.length;
  if (end > 0 && section[end - 1] !== 0) {
    const start = section.lastIndexOf(0, end - 1) + 1;
    throw kmodError(
      'KMOD_ELF_CORRUPT',
      `.modinfo string "${preview(section.subarray(start, end))}" has no terminating NUL`,
      { offset: sectionOffset + start },
    );
  }
  let position = 0;
  while (position < end) {
    if (section[position] === 0) {
      position++;
      continue;
    }
    let stop = section.indexOf(0, position);
    if (stop < 0) stop = end;
    const text = utf8.decode(section.subarray(position, stop));
    const equals = text.indexOf('=');
    entries.push(equals < 0 ? { key: text, value: '' } : { key: text.slice(0, equals), value: text.slice(equals + 1) });
    position = stop + 1;
  }
  return entries;
}

/** The values of every entry with `key`, in order (alias, firmware and depends can repeat). */
export function modinfoValues(entries: readonly ModinfoEntry[], key: string): string[] {
  const values: string[] = [];
  for (const entry of entries) if (entry.key === key) values.push(entry.value);
  return values;
}

/** The first value of `key`, or undefined. */
export function modinfoValue(entries: readonly ModinfoEntry[], key: string): string | undefined {
  for (const entry of entries) if (entry.key === key) return entry.value;
  return undefined;
}

/** The `depends=` list: module names separated by commas (empty for none). */
export function modinfoDepends(entries: readonly ModinfoEntry[]): string[] {
  return modinfoValues(entries, 'depends').flatMap((value) => value.split(',').filter((name) => name.length > 0));
}

function preview(bytes: Uint8Array): string {
  const text = utf8.decode(bytes.subarray(0, 40));
  return bytes.length > 40 ? `${text}...` : text;
}
