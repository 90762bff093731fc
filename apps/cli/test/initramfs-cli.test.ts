/**
 * `initkit initramfs` as scripts and people use it: diff's exit status (as diff -r), `list` (`ls` kept),
 * member offsets in the file, JSON shapes, stdout as the default output, honest edit summaries,
 * progress on a terminal and in a log, errors that name the file and its role.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot, run, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { initkitOnTerminal } from './support/terminal.js';

const fixture = (name: string) => join(repoRoot, 'fixtures/initramfs', name);
const env = { SOURCE_DATE_EPOCH: '1700000000' };

// Each test runs the CLI several times: generous for a loaded machine (no timing is asserted).
describe.runIf(hasTools('diff', 'mkimage', 'cpio', 'script', 'gzip'))(
  'initkit initramfs (CLI behaviour)',
  { timeout: 120_000 },
  () => {
    const temp = useTempDir('initkit-cli-initramfs-');

    function edited(name: string, args: string[] = []): string {
      const host = join(temp(), 'motd');
      writeFileSync(host, 'hello\n');
      const output = join(temp(), name);
      const result = initkit(
        ['initramfs', 'edit', fixture('early-gzip.img'), '-o', output, '-q', '--add', `${host}:/etc/motd`, ...args],
        { env },
      );
      expect(result.status, result.stderr).toBe(0);
      return output;
    }

    function extracted(initrd: string, name: string): string {
      const directory = join(temp(), name);
      expect(initkit(['initramfs', 'extract', '-C', directory, initrd]).status).toBe(0);
      return directory;
    }

    it('diff exits 0 for the same tree and 1 when the trees differ, as diff -r does on the extracted trees', () => {
      const after = edited('diff.img');
      const same = initkit(['initramfs', 'diff', fixture('early-gzip.img'), fixture('early-gzip.img')]);
      const different = initkit(['initramfs', 'diff', fixture('early-gzip.img'), after]);
      const a = extracted(fixture('early-gzip.img'), 'a');
      const b = extracted(after, 'b');
      expect(same.status).toBe(run('diff', ['-r', a, a]).status);
      expect(different.status).toBe(run('diff', ['-r', a, b]).status);
      expect(different.status).toBe(1);
      expect(different.stdout).toContain('+ etc/motd');
      expect(initkit(['initramfs', 'diff', '--json', fixture('early-gzip.img'), after]).status).toBe(1);
    });

    it('list is the name, ls an alias; member offsets are file offsets (payload offset beside them)', () => {
      expect(initkit(['initramfs', 'ls', fixture('scaleway.uimg')]).stdout).toBe(
        initkit(['initramfs', 'list', fixture('scaleway.uimg')]).stdout,
      );
      const json = JSON.parse(initkit(['initramfs', 'list', '--members', '--json', fixture('scaleway.uimg')]).stdout);
      expect(json.payloadOffset).toBe(64);
      const bytes = readFileSync(fixture('scaleway.uimg'));
      const member = json.members[0];
      expect(member.offset).toBe(json.payloadOffset + member.offsetInPayload);
      // The member starts at that file offset: gunzip from there gives a cpio archive.
      const cpioBytes = runOk('gzip', ['-dc'], { input: bytes.subarray(member.offset, member.offset + member.length) });
      expect(cpioBytes.stdoutBytes.subarray(0, 6).toString('latin1')).toBe('070701');
      // The wrapper's codes as { code, name }, the names mkimage -l shows.
      expect(runOk('mkimage', ['-l', fixture('scaleway.uimg')]).stdout).toContain('ARM Linux RAMDisk Image');
      expect(json.wrapper).toMatchObject({
        os: { code: 5, name: 'linux' },
        arch: { code: 2, name: 'arm' },
        type: { code: 3, name: 'ramdisk' },
      });
      const analysis = JSON.parse(initkit(['initramfs', 'analyze', '--json', fixture('scaleway.uimg')]).stdout);
      expect(analysis.wrapper).toMatchObject({ arch: { code: 2, name: 'arm' }, type: { code: 3, name: 'ramdisk' } });
      expect(analysis.payloadOffset).toBe(64);
      expect(analysis.members[0]).toMatchObject({ offset: member.offset, offsetInPayload: member.offsetInPayload });
    });

    it('"." has the same ino and nlink in the merged listing as in its member', () => {
      // GNU cpio's archive keeps the real ino of "." (the merge numbers the other inodes itself).
      const initrd = join(temp(), 'gnu-newc.img');
      writeFileSync(initrd, runOk('gzip', ['-9nc', join(repoRoot, 'fixtures/cpio/gnu-newc.cpio')]).stdoutBytes);
      const tree = JSON.parse(initkit(['initramfs', 'list', '--json', initrd]).stdout);
      const members = JSON.parse(initkit(['initramfs', 'list', '--members', '--json', initrd]).stdout);
      const root = tree.find((entry: { name: string }) => entry.name === '.');
      const fromMember = members.members[root.member].entries.find((entry: { name: string }) => entry.name === '.');
      expect(fromMember.ino).not.toBe(0);
      expect({ ino: root.ino, nlink: root.nlink }).toEqual({ ino: fromMember.ino, nlink: fromMember.nlink });
    });

    it('edit writes to stdout when -o is missing and stdout is not a terminal; refuses a terminal', () => {
      const host = join(temp(), 'motd-stdout');
      writeFileSync(host, 'hello\n');
      const args = ['initramfs', 'edit', fixture('early-gzip.img'), '-q', '--add', `${host}:/etc/motd`];
      const file = join(temp(), 'stdout-ref.img');
      expect(initkit([...args, '-o', file], { env }).status).toBe(0);
      const piped = initkit(args, { env });
      expect(piped.status).toBe(0);
      expect(Buffer.compare(piped.stdoutBytes, readFileSync(file))).toBe(0);
      const terminal = initkitOnTerminal(args);
      expect(terminal.status).toBe(2);
      expect(terminal.screen).toContain('initkit: refusing to write an initrd to a terminal');
    });

    it('edit summaries count the new member honestly; progress is one line in a log, a bar on a terminal, none with --json', () => {
      const host = join(temp(), 'motd-summary');
      writeFileSync(host, 'hello\n');
      const base = ['initramfs', 'edit', fixture('early-gzip.img'), '--add', `${host}:/etc/motd`];
      const append = initkit([...base, '-o', join(temp(), 's1.img')]);
      expect(append.status).toBe(0);
      expect(append.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(append.stderr).toMatch(
        /append mode, \d+ bytes \(gzip member of \d+ bytes: 1 entry in the new member, 1 added\)\n$/,
      );
      const full = initkit([...base, '--mode', 'full', '-o', join(temp(), 's2.img')]);
      const entries = Number(/(\d+) entries in the new member/.exec(full.stderr)?.[1]);
      const listed = JSON.parse(initkit(['initramfs', 'list', '--members', '--json', join(temp(), 's2.img')]).stdout);
      expect(entries).toBe(listed.members.at(-1).entries.length);
      const json = initkit([...base, '--json', '-o', join(temp(), 's3.img')]);
      expect(json.stderr).toBe('');
      expect(JSON.parse(json.stdout)).toMatchObject({ memberEntries: 1, added: 1, replaced: 0, modules: [] });
      const replaced = initkit([
        'initramfs',
        'edit',
        join(temp(), 's1.img'),
        '--add',
        `${host}:/etc/motd`,
        '-o',
        join(temp(), 's4.img'),
      ]);
      expect(replaced.stderr).toContain('1 entry in the new member, 0 added, 1 replaced');
      const terminal = initkitOnTerminal([...base, '-o', join(temp(), 's5.img')]);
      expect(terminal.status).toBe(0);
      expect(terminal.screen).toMatch(/\r?initramfs edit: \[[#-]+\] +\d+%/);
    });

    it('extract: the current directory without -C (as cpio -i), -v, --no-same-owner, --no-verify', () => {
      const cwd = join(temp(), 'cwd');
      mkdirSync(cwd);
      const result = run(
        process.execPath,
        [
          join(repoRoot, 'apps/cli/bin/initkit.cjs'),
          'initramfs',
          'extract',
          '-v',
          '--no-same-owner',
          fixture('early-gzip.img'),
        ],
        { cwd },
      );
      expect(result.status, result.stderr).toBe(0);
      const native = join(temp(), 'native');
      mkdirSync(native);
      runOk('sh', ['-c', `gzip -dc | cpio -id --quiet --no-absolute-filenames`], {
        cwd: native,
        input: readFileSync(fixture('early-gzip.img')).subarray(
          JSON.parse(initkit(['initramfs', 'list', '--members', '--json', fixture('early-gzip.img')]).stdout).members[1]
            .offset,
        ),
      });
      expect(run('diff', ['-r', '--no-dereference', join(cwd, 'etc'), join(native, 'etc')]).status).toBe(0);
      expect(result.stdout.split('\n')).toContain('etc');
      // A wrong data CRC (the gzip member's mtime changed: gzip ignores it): refused, unless --no-verify.
      const corrupt = join(temp(), 'corrupt.uimg');
      const bytes = Buffer.from(readFileSync(fixture('scaleway.uimg')));
      bytes[64 + 4] = bytes[64 + 4]! ^ 0xff;
      writeFileSync(corrupt, bytes);
      const refused = initkit(['initramfs', 'extract', '-C', join(temp(), 'c1'), corrupt]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/CRC/);
      expect(initkit(['initramfs', 'extract', '--no-verify', '-C', join(temp(), 'c2'), corrupt]).status).toBe(0);
    });

    it('a missing or unreadable input names the path and its role, exit 1', () => {
      const missing = initkit(['initramfs', 'list', join(temp(), 'nonexist')]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toBe(
        `initkit: no such file: ${join(temp(), 'nonexist')} (the initrd) [CLI_FILE_NOT_FOUND]\n`,
      );
      const unknown = initkit(['initramfs', 'list', '--bogus', 'x']);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toMatch(/^initkit: unknown option '--bogus'/);
    });

    it('list escapes control characters in names; --raw gives the bytes cpio -t gives for the member', () => {
      const tree = join(temp(), 'evil-tree');
      mkdirSync(tree);
      writeFileSync(join(tree, 'red\x1b[31mname'), 'x');
      const archive = runOk('sh', ['-c', "find . -name 'red*' -print0 | cpio -o0 -H newc --quiet | gzip -9n"], {
        cwd: tree,
      });
      const initrd = join(temp(), 'evil.img');
      writeFileSync(initrd, archive.stdoutBytes);
      const escaped = initkit(['initramfs', 'list', '--members', initrd]);
      expect(escaped.stdout).toBe('red\\x1b[31mname\n');
      const raw = initkit(['initramfs', 'list', '--members', '--raw', initrd]);
      const native = runOk('sh', ['-c', 'gzip -dc | cpio -t --quiet'], { input: archive.stdoutBytes });
      expect(raw.stdoutBytes.equals(native.stdoutBytes)).toBe(true);
      expect(JSON.parse(initkit(['initramfs', 'list', '--json', initrd]).stdout)[1].name).toBe('red\x1b[31mname');
    });
  },
);
