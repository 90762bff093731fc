/**
 * Replace a file so that a crash leaves the old content or the new, never half of one: write a
 * temporary file in the same directory, rename it over the target. For durability across a power loss
 * the file is fsynced before the rename and the directory after it; that is the default under /boot
 * and /etc (where a zero-length kernel or initrd would not boot) and an option elsewhere, since an
 * fsync of a large file costs more than writing it.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export interface WriteFileAtomicOptions {
  /** File mode for a new file; an existing file's mode is kept when omitted. */
  mode?: number;
  /** fsync the file and its directory (default: only for paths under /boot and /etc). */
  durable?: boolean;
}

const SYSTEM_DIRECTORIES = ['/boot/', '/etc/'];

/** Whether a path lies under /boot or /etc, where replacements must survive a power loss. */
export function isSystemBootPath(path: string): boolean {
  const absolute = resolve(path);
  return SYSTEM_DIRECTORIES.some((directory) => absolute.startsWith(directory));
}

export async function writeFileAtomic(
  path: string,
  data: Uint8Array | Iterable<Uint8Array>,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const directory = dirname(path);
  const mode = options.mode ?? (await existingMode(path)) ?? 0o644;
  const durable = options.durable ?? isSystemBootPath(path);
  const { temporary, handle } = await createTemporary(directory, basename(path), mode);
  try {
    const chunks = data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) await handle.write(chunk);
    await handle.chmod(mode);
    if (durable) await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
  if (durable) await syncDirectory(directory);
}

/** Temporary names tried before giving up on a directory full of leftovers. */
const TEMPORARY_ATTEMPTS = 16;
let temporaryCounter = 0;

/**
 * A new file next to the target, created exclusively ('wx'), so a name already taken (a leftover, or
 * another writer) is never truncated: the next name is tried instead. The name needs to be unlikely,
 * not secret, so no node:crypto (loading it costs a few milliseconds of every command's start-up).
 */
async function createTemporary(directory: string, name: string, mode: number) {
  for (let attempt = 1; ; attempt++) {
    const unique = `${process.pid}.${++temporaryCounter}.${Math.random().toString(36).slice(2, 8)}`;
    const temporary = join(directory, `.${name}.${unique}.tmp`);
    try {
      return { temporary, handle: await open(temporary, 'wx', mode) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === TEMPORARY_ATTEMPTS) throw error;
    }
  }
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself already happened.
  } finally {
    await handle.close();
  }
}
