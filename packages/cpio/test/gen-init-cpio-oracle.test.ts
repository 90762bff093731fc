/**
 * gen_init_cpio lists as the kernel's own usr/gen_init_cpio reads them: the tool is compiled from
 * Debian's linux-source-6.1 (test/harness/kernel-gen-init-cpio.ts) and our archive must equal its
 * output byte for byte, its warnings must be ours, and a list it fails on must fail here too.
 */
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InitkitError } from '@initkit/core';
import { archiveFromList, type ListWarning } from '@initkit/cpio';
import { beforeAll, describe, expect, it } from 'vitest';
import { cachedGenInitCpio, kernelGenInitCpio } from '../../../test/harness/kernel-gen-init-cpio.js';
import { run } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools, inCI } from '../../../test/harness/tools.js';

const MTIME = 1_700_000_000;

const CASES: Record<string, string> = {
  plain: `dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
file /init files/init 0755 0 0
slink /bin/sh busybox 777 0 0
pipe /run/initctl 0600 0 0
sock /run/sock 0755 0 0
`,
  'unknown types, indented lines and comments are skipped with a warning': `# a comment
dir /a 0755 0 0
  # an indented comment
	dir /indented 0755 0 0
 file /also-indented files/init 0644 0 0
frobnicate /x 0755 0 0
dir /b 0755 0 0
`,
  'blank lines, lone words and white-space lines pass silently': `
dir /a 0755 0 0

lonely
   
\t
dir /b 0700 0 0
`,
  'extra fields after dir, pipe, sock and slink are ignored': `dir /a 0755 0 0 extra fields here
pipe /p 0600 0 0 9 9
sock /s 0600 1 2 whatever
slink /l target 0777 0 0 more
nod /n 0600 0 0 c 1 3 trailing
`,
  'nod types other than b are character devices': `nod /dev/block 0600 0 0 b 8 0
nod /dev/char 0600 0 0 c 5 1
nod /dev/other 0600 0 0 x 4 64
nod /dev/upper 0600 0 0 B 7 7
`,
  'hard links and a file mtime past 2^32, clipped': `file /big files/future 0644 0 0
file /linked files/init 0755 0 0 /link1 /link2
`,
  'numbers as sscanf reads them': `dir /signed 0755 +0 +0
dir /short 755 0 0
file /tabs\tfiles/init\t0644\t0\t0
`,
  'CRLF line ends': 'dir /crlf 0755 0 0\r\nslink /crlf-link x 0777 0 0\r\n',
};

const FAILING: Record<string, string> = {
  'a field that does not parse': 'dir /a 0755 zero 0\n',
  'a type with a separator and nothing after it': 'dir \n',
  'an indented lone type': '  dir\n',
};

function ours(list: string, cwd: string): { bytes: Uint8Array; warnings: ListWarning[] } {
  const warnings: ListWarning[] = [];
  const bytes = archiveFromList(list, {
    mtime: MTIME,
    env: {},
    onWarning: (warning) => warnings.push(warning),
    readFile: (location) => {
      const path = join(cwd, location);
      return { data: readFileSync(path), mtime: Math.floor(statSync(path).mtimeMs / 1000) };
    },
  });
  return { bytes, warnings };
}

describe.runIf(hasTools('gcc', 'apt-get', 'dpkg'))('gen_init_cpio lists against the kernel tool', () => {
  const temp = useTempDir();
  let tool = '';
  let cwd = '';

  beforeAll(async () => {
    // CI prefetches the tool (.ci/run); locally the first run downloads linux-source-6.1 (~140 MB).
    if (inCI && !cachedGenInitCpio()) console.warn('gen_init_cpio was not prefetched: building it now');
    tool = await kernelGenInitCpio();
    cwd = temp();
    mkdirSync(join(cwd, 'files'), { recursive: true });
    writeFileSync(join(cwd, 'files', 'init'), '#!/bin/sh\nexec /bin/sh\n');
    utimesSync(join(cwd, 'files', 'init'), 1_600_000_000, 1_600_000_000);
    writeFileSync(join(cwd, 'files', 'future'), 'from the future\n');
    utimesSync(join(cwd, 'files', 'future'), 5_000_000_000, 5_000_000_000);
  }, 900_000);

  function kernel(list: string) {
    const result = run(tool, ['-t', String(MTIME), '-'], { cwd, input: list });
    return { status: result.status, bytes: new Uint8Array(result.stdoutBytes), stderr: result.stderr };
  }

  for (const [title, list] of Object.entries(CASES)) {
    it(title, () => {
      const expected = kernel(list);
      expect(expected.status).toBe(0);
      const actual = ours(list, cwd);
      expect(Buffer.from(actual.bytes).equals(Buffer.from(expected.bytes))).toBe(true);
      // One warning of ours for each line the kernel tool complained about, and none elsewhere.
      const complaints = expected.stderr.split('\n').filter((line) => line !== '');
      expect(actual.warnings.length).toBe(complaints.length);
      for (const warning of actual.warnings) {
        expect(complaints.some((line) => line.includes(`line ${warning.line}`) || /clipping/.test(line))).toBe(true);
      }
    });
  }

  for (const [title, list] of Object.entries(FAILING)) {
    it(`fails as the kernel tool fails: ${title}`, () => {
      expect(kernel(list).status).not.toBe(0);
      expect(() => ours(list, cwd)).toThrow(InitkitError);
    });
  }
});
