/**
 * What an atomic write really replaces. A rename replaces the directory entry it lands on, so two kinds
 * of target need care: a symbolic link (/boot/initrd.img pointing at the versioned file) would itself
 * become a regular file, and a device, FIFO or socket (`-o /dev/null`, `-o /dev/stdout`, a pipe made
 * with mkfifo) would be deleted and replaced by a regular file. Links are followed to the file they
 * name; special files are written in place, since there is nothing there to keep or lose.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';

export interface WriteTarget {
  /** The path the data goes to: the given one, or where its symbolic link points. */
  path: string;
  /** The target is a device, FIFO or socket: open and write it, never rename over it. */
  inPlace: boolean;
}

export function resolveWriteTarget(path: string): WriteTarget {
  const link = lstatSync(path, { throwIfNoEntry: false });
  if (!link) return { path, inPlace: false };
  // realpath fails on a dangling link: the link's own path is replaced then, as before.
  const target = link.isSymbolicLink() ? realpathOrSelf(path) : path;
  const stats = statSync(target, { throwIfNoEntry: false });
  const special = stats !== undefined && !stats.isFile() && !stats.isDirectory();
  return { path: target, inPlace: special };
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
