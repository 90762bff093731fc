/**
 * The words for system errors on named files, for the errors a root test run cannot provoke through
 * the built CLI (EACCES, EROFS): the path, its role, and a code run.ts prints.
 */
import { InitkitError } from '@initkit/core';
import { describe, expect, it } from 'vitest';
import { explainFileError } from '../src/file-errors.js';

function systemError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: raw message, open '${path}'`), { code, path, syscall: 'open' });
}

describe('explainFileError', () => {
  it.each([
    ['EACCES', 'permission denied: /boot/initrd.img (the initrd)', 'CLI_PERMISSION_DENIED'],
    ['ENOENT', 'no such file: /boot/initrd.img (the initrd)', 'CLI_FILE_NOT_FOUND'],
    ['EROFS', 'read-only file system: /boot/initrd.img (the initrd)', 'CLI_READ_ONLY'],
  ])('%s names the path and its role', (code, message, cliCode) => {
    const explained = explainFileError(systemError(code, '/boot/initrd.img'), '/boot/initrd.img', 'the initrd');
    expect(explained).toBeInstanceOf(InitkitError);
    expect((explained as InitkitError).message).toBe(message);
    expect((explained as InitkitError).code).toBe(cliCode);
  });

  it('a temporary file beside the output names the output directory; other errors pass through', () => {
    const temporary = systemError('ENOENT', '/no/dir/.out.img.123.tmp');
    expect((explainFileError(temporary, '/no/dir/out.img', 'the -o output') as Error).message).toBe(
      'no such directory: /no/dir (the directory of the -o output)',
    );
    const typed = new InitkitError('CPIO_TRUNCATED', 'short');
    expect(explainFileError(typed, '/x', 'the archive')).toBe(typed);
    expect((explainFileError(systemError('EACCES', '/etc/shadow')) as Error).message).toBe(
      'permission denied: /etc/shadow',
    );
  });
});
