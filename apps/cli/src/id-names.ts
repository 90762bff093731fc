/**
 * Owner and group names for `-v` listings, from the system's /etc/passwd and /etc/group, as `cpio -tv`
 * and `ls -l` show them. The one lookup every listing uses (names read as UTF-8, first entry wins).
 */
import { readFileSync } from 'node:fs';

export type IdNames = (id: number) => string | undefined;

/** The id -> name table of one database file; an unreadable file gives numbers, as cpio prints then. */
export function idNames(file: string): IdNames {
  const table = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // No database: ids print as numbers.
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id && /^\d+$/.test(id) && !table.has(Number(id))) table.set(Number(id), name);
  }
  return (id) => table.get(id);
}

/** The options a long listing takes: names from the system, or none with -n (numeric ids). */
export function ownerNames(numeric: boolean | undefined): { userName?: IdNames; groupName?: IdNames } {
  if (numeric) return {};
  return { userName: idNames('/etc/passwd'), groupName: idNames('/etc/group') };
}
