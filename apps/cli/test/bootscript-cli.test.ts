/**
 * `initkit bootscript check` (a linter U-Boot does not have: FILE:LINE:COLUMN, exit 1), the warnings
 * `plan` adds about what breaks boots, `--file-size` from numbers, files and a TFTP root, and
 * `compile` to stdout unless that is a terminal (byte-identical to mkimage either way).
 */
import { mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { initkitOnTerminal } from './support/terminal.js';

const scripts = join(repoRoot, 'fixtures/bootscript/scripts');

// Each test runs the CLI several times: generous for a loaded machine (no timing is asserted).
describe.runIf(hasTools('mkimage', 'script'))(
  'initkit bootscript check, plan warnings, compile to stdout',
  { timeout: 120_000 },
  () => {
    const temp = useTempDir('initkit-cli-bootscript-check-');

    it('check: a syntax error and unknown commands with line and column, exit 1; the fixtures pass, as text and image', () => {
      const bad = join(temp(), 'syntax.txt');
      writeFileSync(bad, 'setenv a 1\nif test x = y; then\n  echo hi\nfi fi\n');
      const syntax = initkit(['bootscript', 'check', bad]);
      expect(syntax.status).toBe(1);
      expect(syntax.stdout).toBe(
        `${bad}:4:4: syntax error: 'fi' cannot follow the end of 'if' (add ';' or a newline)\n`,
      );
      const unknown = join(temp(), 'unknown.txt');
      writeFileSync(unknown, 'setenv a 1\nfrobnicate 1 2\nif test a = b; then\n   bogus\nfi\nbooti ${kernel_addr_r}\n');
      const image = join(temp(), 'unknown.scr');
      runOk('mkimage', ['-A', 'arm', '-O', 'linux', '-T', 'script', '-C', 'none', '-d', unknown, image]);
      for (const file of [unknown, image]) {
        const result = initkit(['bootscript', 'check', file]);
        expect(result.status).toBe(1);
        expect(result.stdout).toBe(
          `${file}:2:1: error: unknown command 'frobnicate' (U-Boot fails it)\n${file}:4:4: error: unknown command 'bogus' (U-Boot fails it)\n`,
        );
      }
      const json = JSON.parse(initkit(['bootscript', 'check', '--json', unknown]).stdout);
      expect(json.findings[0]).toEqual({
        kind: 'unknown-command',
        line: 2,
        column: 1,
        message: "unknown command 'frobnicate' (U-Boot fails it)",
      });
      for (const name of readdirSync(scripts).filter((file) => file.endsWith('.txt'))) {
        const result = initkit(['bootscript', 'check', join(scripts, name)]);
        expect({ name, status: result.status, stdout: result.stdout }).toEqual({ name, status: 0, stdout: '' });
      }
    });

    it('plan warns about overlapping images, an overwritten device tree and TFTP without a server; --file-size takes a TFTP root or a file', () => {
      const root = join(temp(), 'tftproot');
      mkdirSync(root);
      for (const [name, size] of [
        ['zImage', 8 << 20],
        ['uInitrd', 4 << 20],
        ['board.dtb', 64 << 10],
      ] as const) {
        writeFileSync(join(root, name), '');
        truncateSync(join(root, name), size);
      }
      const script = join(temp(), 'overlap.txt');
      writeFileSync(
        script,
        [
          'tftpboot 0x42000000 zImage',
          'tftpboot 0x49000000 board.dtb',
          'tftpboot 0x42400000 uInitrd',
          'tftpboot 0x48ff0000 uInitrd',
          'tftpboot 0x44000000 uInitrd',
          'bootz 0x42000000 0x44000000:${filesize} 0x49000000',
          '',
        ].join('\n'),
      );
      // `bootscript plan` of this script against a TFTP server at 10.0.0.1 whose file sizes come from `sizes`.
      const planWithSizes = (sizes: string, ...flags: string[]) =>
        initkit([
          'bootscript',
          'plan',
          '--no-defaults',
          '--env',
          'serverip=10.0.0.1',
          '--file-size',
          sizes,
          ...flags,
          script,
        ]);
      const plan = planWithSizes(root);
      expect(plan.status, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('load: tftpboot zImage from 10.0.0.1 -> 0x42000000 (8388608 bytes)');
      expect(plan.stdout).toContain(
        'warning: line 4: tftpboot uInitrd at 0x48ff0000 overwrites part of the device tree (line 2: tftpboot board.dtb at 0x49000000)',
      );
      // The kernel (8 MiB at 0x42000000) is overwritten by the initrd loaded at 0x42400000.
      expect(plan.stdout).toContain('warning: line 3: tftpboot uInitrd at 0x42400000 overwrites part of the kernel');
      const single = planWithSizes(`zImage=${join(root, 'zImage')}`, '--json');
      expect(JSON.parse(single.stdout).loads[0].size).toBe(8 << 20);
      const noServer = initkit(['bootscript', 'plan', '--no-defaults', script]);
      expect(noServer.stdout).toContain(
        'warning: line 1: tftpboot zImage at 0x42000000: no serverip and no SERVER:FILE, U-Boot cannot reach a TFTP server',
      );
      const badSize = initkit(['bootscript', 'plan', '--file-size', join(temp(), 'nonexist'), script]);
      expect(badSize.status).toBe(1);
      expect(badSize.stderr).toContain('(the --file-size TFTP root)');
    });

    it('compile writes to stdout without -o (as mkimage would write the file) and refuses a terminal', () => {
      const env = { SOURCE_DATE_EPOCH: '1234567890' };
      const text = join(scripts, 'armbian.txt');
      const theirs = join(temp(), 'theirs.scr');
      runOk('mkimage', ['-A', 'arm', '-O', 'linux', '-T', 'script', '-C', 'none', '-d', text, theirs], { env });
      const piped = initkit(['bootscript', 'compile', text], { env });
      expect(piped.status).toBe(0);
      expect(piped.stdoutBytes.equals(readFileSync(theirs))).toBe(true);
      const terminal = initkitOnTerminal(['bootscript', 'compile', text]);
      expect(terminal.status).toBe(2);
      expect(terminal.screen).toContain('initkit: refusing to write a script image to a terminal');
    });
  },
);
