/**
 * `initkit compress` as its users expect: a uImage around gzip named as such by detect and unwrapped
 * by decode (as dumpimage + gzip -dc do), one -f/--format and -l/--level, encode refusing a terminal
 * as gzip does, errors naming the file and its role.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot, run, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { initkitOnTerminal } from './support/terminal.js';

const sample = join(repoRoot, 'fixtures/compress/sample.txt');

// Each test runs the CLI several times: generous for a loaded machine (no timing is asserted).
describe.runIf(hasTools('mkimage', 'dumpimage', 'gzip', 'script'))(
  'initkit compress (CLI behaviour)',
  { timeout: 120_000 },
  () => {
    const temp = useTempDir('initkit-cli-compress-');

    it('detect names a uImage around gzip; decode decodes its payload as dumpimage | gzip -dc does', () => {
      const gz = join(temp(), 'sample.gz');
      writeFileSync(gz, runOk('gzip', ['-9nc', sample]).stdoutBytes);
      const image = join(temp(), 'uInitrd');
      runOk('mkimage', ['-A', 'arm', '-O', 'linux', '-T', 'ramdisk', '-C', 'gzip', '-d', gz, image]);
      const detected = initkit(['compress', 'detect', image]);
      expect(detected.status).toBe(0);
      expect(detected.stdout).toContain(`${image}: a uImage (ramdisk) around gzip`);
      expect(detected.stdout).toContain(`initkit uimage extract -o PAYLOAD ${image}`);
      const json = JSON.parse(initkit(['compress', 'detect', '--json', image, gz]).stdout);
      expect(json[0]).toMatchObject({
        format: 'gzip',
        uimage: { type: { code: 3, name: 'ramdisk' }, compression: { code: 1, name: 'gzip' }, payloadOffset: 64 },
      });
      expect(json[1]).toMatchObject({ format: 'gzip' });
      expect(json[1].uimage).toBeUndefined();
      const payload = join(temp(), 'payload');
      runOk('dumpimage', ['-T', 'ramdisk', '-p', '0', '-o', payload, image]);
      const native = runOk('gzip', ['-dc', payload]).stdoutBytes;
      const decoded = initkit(['compress', 'decode', image]);
      expect(decoded.status).toBe(0);
      expect(decoded.stdoutBytes.equals(native)).toBe(true);
      expect(decoded.stderr).toContain(
        'is a uImage (ramdisk) around gzip: decoding the payload after its 64-byte header',
      );
    });

    it('-f/--format on decode and encode (-F kept on decode), -l/--level; encode refuses a terminal as gzip does', () => {
      const gz = join(temp(), 'level.gz');
      expect(initkit(['compress', 'encode', '--format', 'gzip', '--level', '1', '-o', gz, sample]).status).toBe(0);
      expect(runOk('gzip', ['-dc', gz]).stdoutBytes.equals(readFileSync(sample))).toBe(true);
      for (const flag of ['-f', '--format', '-F']) {
        const decoded = initkit(['compress', 'decode', flag, 'gzip', gz]);
        expect(decoded.status, flag).toBe(0);
        expect(decoded.stdoutBytes.equals(readFileSync(sample))).toBe(true);
      }
      const piped = initkit(['compress', 'encode', '-f', 'gzip', '-l', '9', sample]);
      expect(runOk('gzip', ['-dc'], { input: piped.stdoutBytes }).stdoutBytes.equals(readFileSync(sample))).toBe(true);
      const terminal = initkitOnTerminal(['compress', 'encode', '-f', 'gzip', sample]);
      expect(terminal.status).toBe(2);
      expect(terminal.screen).toContain('initkit: refusing to write compressed data to a terminal');
      // gzip refuses the same way when it would write to the terminal unasked (no -c, stdout implied).
      expect(run('script', ['-qec', `gzip < ${sample}`, '/dev/null']).stdout).toContain('not written to a terminal');
    });

    it('errors name the file and its role', () => {
      const missing = join(temp(), 'nonexist');
      const decoded = initkit(['compress', 'decode', missing]);
      expect(decoded.status).toBe(1);
      expect(decoded.stderr).toBe(`initkit: no such file: ${missing} (the compressed file) [CLI_FILE_NOT_FOUND]\n`);
      const detected = initkit(['compress', 'detect', missing]);
      expect(detected.stderr).toContain('(a file to inspect)');
      const written = initkit(['compress', 'encode', '-f', 'gzip', '-o', join(temp(), 'no/such/dir/x.gz'), sample]);
      expect(written.status).toBe(1);
      expect(written.stderr).toContain(
        `no such directory: ${join(temp(), 'no/such/dir')} (the directory of the -o output)`,
      );
    });
  },
);
