/**
 * extractInitrd reports the entries the kernel would not create, as `cpio extract` reports what it
 * skips (#20: they used to vanish without a word, `--json` saying "skipped": []), with no made-up
 * offset (a merged tree spans members: the reason names the member).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryEntry, fileEntry } from '@initkit/cpio';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { parseInitrd } from '../src/initrd.js';
import { extractInitrd } from '../src/node/extract.js';
import { openInitrdFile } from '../src/node/read-initrd.js';
import { member } from './build.js';

describe('extractInitrd', () => {
  const temp = useTempDir('initkit-extract-skipped-');

  it('reports entries the kernel would not create and creates none of them', async () => {
    const bytes = member([
      directoryEntry('etc'),
      fileEntry('etc/ok', 'ok\n'),
      fileEntry('nodir/x', 'x'),
      fileEntry('etc/ok/sub', 'sub'),
    ]);
    const path = join(temp(), 'initrd.gz');
    writeFileSync(path, bytes);
    for (const [name, initrd] of [
      ['parsed', parseInitrd(bytes)],
      ['opened', await openInitrdFile(path)],
    ] as const) {
      const target = join(temp(), name);
      const [result] = await extractInitrd(initrd, target);
      expect(readFileSync(join(target, 'etc/ok'), 'utf8')).toBe('ok\n');
      expect(existsSync(join(target, 'nodir'))).toBe(false);
      expect(result!.report.skipped).toEqual([
        { name: 'nodir/x', reason: expect.stringMatching(/^the kernel would not create it \(member 0\): /) },
        { name: 'etc/ok/sub', reason: expect.stringMatching(/^the kernel would not create it \(member 0\): /) },
      ]);
    }
  });
});
