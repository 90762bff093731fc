/**
 * Replace a file so that a crash leaves the old content or the new, never half of one: write a
 * temporary file in the same directory, fsync it, rename it over the target, then fsync the directory.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface WriteFileAtomicOptions {
  /** File mode for a new file; an existing file's mode is kept when omitted. */
  mode?: number;
}

export async function writeFileAtomic(
  path: string,
  data: Uint8Array | Iterable<Uint8Array>,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = options.mode ?? (await existingMode(path)) ?? 0o644;
  const handle = await open(temporary, 'wx', mode);
  try {
    const chunks = data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) await handle.write(chunk);
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
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
