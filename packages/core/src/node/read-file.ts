/**
 * Read a whole file into memory, refusing files larger than a limit before allocating for them.
 */
import { readFile, stat } from 'node:fs/promises';
// By package name, not path: the Node build then shares the main entry's InitkitError class.
import { DEFAULT_LIMITS, InitkitError } from '@initkit/core';

export async function readFileLimited(path: string, maxBytes = DEFAULT_LIMITS.maxOutputBytes): Promise<Uint8Array> {
  const info = await stat(path);
  if (info.isDirectory()) throw new InitkitError('FILE_IS_DIRECTORY', `${path} is a directory, expected a file`);
  if (info.size > maxBytes) {
    throw new InitkitError('FILE_TOO_LARGE', `${path} is ${info.size} bytes, over the limit of ${maxBytes}`);
  }
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
