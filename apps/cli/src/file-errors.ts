/**
 * Operating-system errors on the files a command names, turned into one line that says which path
 * and what it was for ("no such file: nonexist (the -d data file)") instead of Node's raw
 * "ENOENT: no such file or directory, open 'nonexist'".
 */
import { dirname } from 'node:path';
import { InitkitError } from '@initkit/core';

/** What went wrong, in words, and the error code run.ts prints for it. */
const PROBLEMS: Record<string, { words: string; code: string }> = {
  ENOENT: { words: 'no such file', code: 'CLI_FILE_NOT_FOUND' },
  EACCES: { words: 'permission denied', code: 'CLI_PERMISSION_DENIED' },
  EPERM: { words: 'operation not permitted', code: 'CLI_PERMISSION_DENIED' },
  EISDIR: { words: 'is a directory, expected a file', code: 'CLI_IS_A_DIRECTORY' },
  ENOTDIR: { words: 'not a directory', code: 'CLI_NOT_A_DIRECTORY' },
  EROFS: { words: 'read-only file system', code: 'CLI_READ_ONLY' },
  ENOSPC: { words: 'no space left on device', code: 'CLI_NO_SPACE' },
};

export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error;
}

/**
 * The error to report for a system error: with the path it names and, when that is the path the
 * user gave, its role ("the -d data file"). Other errors are returned unchanged.
 */
export function explainFileError(error: unknown, path?: string, role?: string): unknown {
  if (!isSystemError(error)) return error;
  const problem = PROBLEMS[error.code!];
  const failedPath = error.path ?? path;
  if (problem === undefined || failedPath === undefined) return error;
  if (path !== undefined && role !== undefined && failedPath !== path && dirname(failedPath) === dirname(path)) {
    // The temporary file beside an output (atomic writes): the trouble is the output's directory.
    const directory = dirname(path);
    const words = error.code === 'ENOENT' ? 'no such directory' : problem.words;
    return new InitkitError(problem.code, `${words}: ${directory} (the directory of ${role})`);
  }
  const what = role !== undefined && (path === undefined || failedPath === path) ? ` (${role})` : '';
  const words =
    error.code === 'ENOENT' && role !== undefined && /directory/.test(role) ? 'no such directory' : problem.words;
  return new InitkitError(problem.code, `${words}: ${failedPath}${what}`);
}

/** Runs `work` and names `path` and its role if the operating system refuses it. */
export async function withFile<T>(path: string, role: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainFileError(error, path, role);
  }
}

/** The synchronous form of withFile. */
export function withFileSync<T>(path: string, role: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw explainFileError(error, path, role);
  }
}
