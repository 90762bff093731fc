/**
 * `initkit tftp` errors that name the path and its role instead of Node's raw messages: a server root
 * that does not exist (or is a file), a local file to send that is missing. No network needed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initkit } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';

describe('initkit tftp (errors naming the path)', () => {
  const temp = useTempDir('initkit-cli-tftp-errors-');

  it('serve refuses a root that does not exist or is not a directory (exit 1, before listening)', () => {
    const missing = join(temp(), 'no-root');
    const result = initkit(['tftp', 'serve', '--port', '0', missing]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `initkit: no such directory: ${missing} (the TFTP root directory) [CLI_FILE_NOT_FOUND]\n`,
    );
    const file = join(temp(), 'a-file');
    writeFileSync(file, 'x');
    const notDirectory = initkit(['tftp', 'serve', '--port', '0', file]);
    expect(notDirectory.status).toBe(1);
    expect(notDirectory.stderr).toBe(
      `initkit: not a directory: ${file} (the TFTP root directory) [CLI_NOT_A_DIRECTORY]\n`,
    );
  });

  it('put names a missing local file', () => {
    const missing = join(temp(), 'nothing.bin');
    const result = initkit(['tftp', 'put', '127.0.0.1:9', missing, '--deadline', '1']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`initkit: no such file: ${missing} (the local file to send) [CLI_FILE_NOT_FOUND]\n`);
  });
});
