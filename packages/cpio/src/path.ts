/**
 * Path names inside an archive: the normal form the archive model keys entries by (no leading `/`,
 * no `.` or empty components, never `..`), and the order that sorts parents before their children.
 */
import { cpioError } from './errors.js';
import { quoteCpioName } from './name.js';

/** The name of the archive's root directory entry (GNU cpio writes it for `find .`). */
export const ROOT_NAME = '.';

/**
 * The normal form of an archive path: `/usr//bin/./sh` becomes `usr/bin/sh`, `./` and `/` become `.`.
 * A `..` component, an empty name or a NUL byte is an error (CPIO_BAD_PATH): no normal form escapes
 * the archive's root.
 */
export function normalizeCpioPath(path: string): string {
  if (path.length === 0) throw cpioError('CPIO_BAD_PATH', 'cpio path is empty');
  if (path.includes('\0')) throw cpioError('CPIO_BAD_PATH', `cpio path ${quoteCpioName(path)} contains a NUL byte`);
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw cpioError('CPIO_BAD_PATH', `cpio path ${quoteCpioName(path)} has a '..' component`);
    }
    parts.push(part);
  }
  return parts.length === 0 ? ROOT_NAME : parts.join('/');
}

/** The parent of a normalised path (`.` for top-level names and for the root itself). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? ROOT_NAME : path.slice(0, slash);
}

/**
 * Orders paths component by component, so a directory comes right before everything under it and
 * `.` comes first: `a`, `a/b`, `a-b` (plain string order would put `a-b` before `a/b`).
 */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  if (a === ROOT_NAME) return -1;
  if (b === ROOT_NAME) return 1;
  const left = a.split('/');
  const right = b.split('/');
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return left.length - right.length;
}
