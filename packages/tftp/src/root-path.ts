/**
 * Mapping a requested file name to a path inside the server's root, and nowhere else. A leading '/' means
 * the root (as tftpd-hpa -s does); '..' components are refused outright; symbolic links are followed only
 * when where they lead is still inside the root.
 */
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { TftpError, TftpErrorCode } from './errors.js';

function refuse(name: string, why: string): TftpError {
  return new TftpError('TFTP_ACCESS_VIOLATION', `${shownName(name)}: ${why}`, {
    tftpCode: TftpErrorCode.AccessViolation,
  });
}

function notFound(name: string): TftpError {
  return new TftpError('TFTP_NOT_FOUND', `${shownName(name)}: file not found`, {
    tftpCode: TftpErrorCode.FileNotFound,
  });
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The relative path a request names, or an access violation for names that try to leave the root. */
function relativeName(name: string): string {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.some((part) => part === '..')) throw refuse(name, 'the path leaves the served directory');
  if (parts.length === 0) throw refuse(name, 'not a file name');
  return parts.join('/');
}

/**
 * The error for a failed look-up. Its message goes to the client in an ERROR packet, so it names the
 * request and a reason, never a local path or the operating system's text (kept as the cause).
 */
function systemError(name: string, error: unknown): TftpError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return notFound(name);
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return refuse(name, 'access denied');
  if (code === 'ENAMETOOLONG') return refuse(name, 'file name too long');
  return new TftpError('TFTP_SERVER_ERROR', `${shownName(name)}: cannot open (${code ?? 'error'})`, {
    tftpCode: TftpErrorCode.NotDefined,
    cause: error,
  });
}

/** A requested name as messages show it: quoted, and cut so an over-long name does not fill the packet. */
function shownName(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}

/** The real path of an existing file to read. `root` must already be a real path. */
export async function pathToRead(root: string, name: string): Promise<string> {
  const candidate = join(root, relativeName(name));
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    throw systemError(name, error);
  }
  if (!inside(root, real)) throw refuse(name, 'the path leaves the served directory');
  return real;
}

/** The path to create or replace for a write: its directory must exist inside the root. */
export async function pathToWrite(root: string, name: string): Promise<string> {
  const candidate = join(root, relativeName(name));
  let directory: string;
  try {
    directory = await realpath(dirname(candidate));
  } catch (error) {
    throw systemError(name, error);
  }
  if (!inside(root, directory)) throw refuse(name, 'the path leaves the served directory');
  const target = join(directory, basename(candidate));
  try {
    const info = await lstat(target);
    if (!info.isFile()) throw refuse(name, 'only regular files can be written');
  } catch (error) {
    if (error instanceof TftpError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw systemError(name, error);
  }
  return target;
}
