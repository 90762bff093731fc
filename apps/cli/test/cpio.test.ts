/**
 * `initkit cpio` against GNU cpio: the same listings (-t and -tv), extraction and creation that cpio
 * reads back, gen_init_cpio lists, JSON output and exit codes.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initkit, repoRoot, run, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { initkitOnTerminal } from './support/terminal.js';

const fixtures = join(repoRoot, 'fixtures/cpio');
const fixture = (name: string) => join(fixtures, name);

describe.runIf(hasTools('cpio'))('initkit cpio', () => {
  const temp = useTempDir('initkit-cli-cpio-');

  for (const name of ['gnu-newc.cpio', 'gnu-crc.cpio', 'bsdtar-newc.cpio']) {
    it(`list and list -v print what cpio -t and cpio -tv print (${name})`, () => {
      const env = { TZ: 'UTC' };
      expect(initkit(['cpio', 'list', fixture(name)], { env }).stdout).toBe(
        runOk('cpio', ['-t', '--quiet', '-F', fixture(name)], { env }).stdout,
      );
      expect(initkit(['cpio', 'list', '-v', fixture(name)], { env }).stdout).toBe(
        runOk('cpio', ['-tv', '--quiet', '-F', fixture(name)], { env }).stdout,
      );
      expect(initkit(['cpio', 'list', '-v', '-n', fixture(name)], { env }).stdout).toBe(
        runOk('cpio', ['-tv', '-n', '--quiet', '-F', fixture(name)], { env }).stdout,
      );
    });
  }

  it('list reads stdin and prints every field with --json', () => {
    const listed = initkit(['cpio', 'list', '--json', '-'], { input: readFileSync(fixture('gnu-crc.cpio')) });
    expect(listed.status).toBe(0);
    const json = JSON.parse(listed.stdout);
    expect(json.format).toBe('crc');
    const link = json.entries.find((entry: { name: string }) => entry.name === 'link');
    expect(link).toMatchObject({ type: 'symlink', linkTarget: 'hello.txt', permissions: '0777', format: 'crc' });
    const hello = json.entries.find((entry: { name: string }) => entry.name === 'hello.txt');
    expect(hello).toMatchObject({ type: 'file', size: 17, mode: 0o104755, mtime: 1700000000 });
    expect(Object.keys(hello)).toEqual(
      expect.arrayContaining([
        'ino',
        'uid',
        'gid',
        'nlink',
        'devMajor',
        'devMinor',
        'rdevMajor',
        'rdevMinor',
        'check',
        'offset',
      ]),
    );
  });

  it('extract gives the tree cpio -i gives; create makes an archive cpio extracts to the same tree', () => {
    const ours = join(temp(), 'ours');
    expect(initkit(['cpio', 'extract', '--devices', '-C', ours, fixture('gnu-newc.cpio')]).status).toBe(0);
    const theirs = join(temp(), 'theirs');
    mkdirSync(theirs);
    runOk('cpio', ['-idm', '--quiet', '-F', fixture('gnu-newc.cpio')], { cwd: theirs });
    const listing = (dir: string) =>
      runOk('sh', ['-c', 'find . -printf "%y %m %n %s %l %p\\n" | LC_ALL=C sort'], { cwd: dir }).stdout;
    expect(listing(ours)).toBe(listing(theirs));

    for (const format of ['newc', 'crc']) {
      const archive = join(temp(), `created-${format}.cpio`);
      const created = initkit(['cpio', 'create', '-C', ours, '--format', format, '-o', archive]);
      expect(created.status, created.stderr).toBe(0);
      expect(readFileSync(archive).subarray(0, 6).toString()).toBe(format === 'crc' ? '070702' : '070701');
      const back = join(temp(), `back-${format}`);
      mkdirSync(back);
      runOk('cpio', ['-idm', '--quiet', '-F', archive], { cwd: back });
      expect(listing(back)).toBe(listing(theirs));
    }
  });

  it('create --reproducible is byte-for-byte repeatable and honours SOURCE_DATE_EPOCH', () => {
    const tree = join(temp(), 'repro');
    mkdirSync(join(tree, 'd'), { recursive: true });
    writeFileSync(join(tree, 'd/f'), 'content');
    const one = join(temp(), 'one.cpio');
    const two = join(temp(), 'two.cpio');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    expect(initkit(['cpio', 'create', '-C', tree, '--reproducible', '-o', one], { env }).status).toBe(0);
    writeFileSync(join(tree, 'd/f'), 'content');
    expect(initkit(['cpio', 'create', '-C', tree, '--reproducible', '-o', two], { env }).status).toBe(0);
    expect(readFileSync(one).equals(readFileSync(two))).toBe(true);
    expect(runOk('cpio', ['-tv', '--quiet', '-F', one], { env: { TZ: 'UTC' } }).stdout).toContain('Nov 14  2023 d/f');
    expect(
      initkit(['cpio', 'create', '-C', tree, '--reproducible', '-o', '-'], { env }).stdoutBytes.equals(
        readFileSync(one),
      ),
    ).toBe(true);
  });

  it('create --from-list builds the gen_init_cpio archive', () => {
    const dir = join(temp(), 'list');
    mkdirSync(dir);
    writeFileSync(join(dir, 'init.sh'), '#!/bin/sh\nexec sh\n');
    writeFileSync(
      join(dir, 'list.txt'),
      'dir /bin 0755 0 0\nfile /init init.sh 0755 0 0\nslink /bin/sh busybox 0777 0 0\nnod /dev/null 0666 0 0 c 1 3\n',
    );
    const out = join(temp(), 'list.cpio');
    const created = initkit([
      'cpio',
      'create',
      '--from-list',
      join(dir, 'list.txt'),
      '-C',
      dir,
      '-t',
      '1700000000',
      '-o',
      out,
    ]);
    expect(created.status, created.stderr).toBe(0);
    const long = runOk('cpio', ['-tv', '-n', '--quiet', '-F', out], { env: { TZ: 'UTC' } }).stdout.split('\n');
    expect(long[0]).toBe('drwxr-xr-x   2 0        0               0 Nov 14  2023 bin');
    expect(long[3]).toBe('crw-rw-rw-   1 0        0          1,   3 Nov 14  2023 dev/null');
    const names = runOk('cpio', ['-t', '--quiet', '-F', out]).stdout;
    expect(names).toBe('bin\ninit\nbin/sh\ndev/null\n');
  });

  it('extract reports skipped entries on stderr; errors exit 1, usage errors 2', () => {
    const hostile = join(repoRoot, 'packages/cpio/test/hostile/dotdot.cpio');
    const extracted = initkit(['cpio', 'extract', '-C', join(temp(), 'hostile'), hostile]);
    expect(extracted.status).toBe(0);
    expect(extracted.stderr).toContain(`skipped "../outside/decoy.txt": name has a '..' component`);

    const corrupt = readFileSync(fixture('gnu-crc.cpio'));
    corrupt[200] = 0x58;
    writeFileSync(join(temp(), 'corrupt.cpio'), corrupt);
    const failed = initkit(['cpio', 'list', join(temp(), 'corrupt.cpio')]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^initkit: .*\[CPIO_[A-Z_]+\]\n$/);

    expect(initkit(['cpio', 'create', '-C', temp(), '--format', 'odc', '-o', join(temp(), 'x.cpio')]).status).toBe(2);
    expect(initkit(['cpio', 'create', '-o', join(temp(), 'x.cpio')]).status).toBe(2);
    expect(run('cpio', ['--version']).status).toBe(0);
  });

  it('names with control characters: escaped by default, the stored bytes with --raw (as cpio -t), raw in JSON', () => {
    const tree = join(temp(), 'evil');
    const evil = 'red\x1b[31mname\nline';
    mkdirSync(tree);
    writeFileSync(join(tree, evil), 'x');
    const archive = join(temp(), 'evil.cpio');
    runOk('sh', ['-c', `find . -name 'red*' -print0 | cpio -o0 -H newc --quiet > ${archive}`], { cwd: tree });
    const escaped = initkit(['cpio', 'list', archive]);
    expect(escaped.stdout).toBe('red\\x1b[31mname\\nline\n');
    expect(escaped.stdoutBytes.includes(0x1b)).toBe(false);
    const raw = initkit(['cpio', 'list', '--raw', archive]);
    expect(raw.stdoutBytes.equals(runOk('cpio', ['-t', '--quiet', '-F', archive]).stdoutBytes)).toBe(true);
    const long = initkit(['cpio', 'list', '-v', '--raw', archive], { env: { TZ: 'UTC' } });
    expect(
      long.stdoutBytes.equals(runOk('cpio', ['-tv', '--quiet', '-F', archive], { env: { TZ: 'UTC' } }).stdoutBytes),
    ).toBe(true);
    const json = JSON.parse(initkit(['cpio', 'list', '--json', archive]).stdout);
    expect(json.entries[0].name).toBe(evil);
    // On a terminal too, the default is escaped: no escape byte reaches the screen.
    const terminal = initkitOnTerminal(['cpio', 'list', archive]);
    expect(terminal.screen).toContain('red\\x1b[31mname');
    expect(terminal.screen.includes('\x1b[31m')).toBe(false);
  });

  it('create writes to stdout without -o unless stdout is a terminal; extract defaults to the current directory', () => {
    const tree = join(temp(), 'stdout-tree');
    mkdirSync(join(tree, 'd'), { recursive: true });
    writeFileSync(join(tree, 'd/f'), 'content');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const file = join(temp(), 'stdout.cpio');
    expect(initkit(['cpio', 'create', '-C', tree, '--reproducible', '-o', file], { env }).status).toBe(0);
    const piped = initkit(['cpio', 'create', '-C', tree, '--reproducible', '-H', 'newc'], { env });
    expect(piped.status).toBe(0);
    expect(piped.stdoutBytes.equals(readFileSync(file))).toBe(true);
    // A new archive gets the mode `cpio -o > FILE` gives it under the same umask.
    const cli = join(repoRoot, 'apps/cli/bin/initkit.cjs');
    const umaskOurs = join(temp(), 'umask-ours.cpio');
    const umaskTheirs = join(temp(), 'umask-theirs.cpio');
    runOk('sh', [
      '-c',
      `umask 077; exec "$0" "$@"`,
      process.execPath,
      cli,
      'cpio',
      'create',
      '-C',
      tree,
      '-o',
      umaskOurs,
    ]);
    runOk('sh', ['-c', `umask 077; find . | cpio -o -H newc --quiet > ${umaskTheirs}`], { cwd: tree });
    expect(statSync(umaskOurs).mode & 0o777).toBe(statSync(umaskTheirs).mode & 0o777);
    const terminal = initkitOnTerminal(['cpio', 'create', '-C', tree]);
    expect(terminal.status).toBe(2);
    expect(terminal.screen).toContain('initkit: refusing to write an archive to a terminal');
    const ours = join(temp(), 'cwd-ours');
    const theirs = join(temp(), 'cwd-theirs');
    mkdirSync(ours);
    mkdirSync(theirs);
    const extracted = run(
      process.execPath,
      [join(repoRoot, 'apps/cli/bin/initkit.cjs'), 'cpio', 'extract', '-v', file],
      { cwd: ours },
    );
    expect(extracted.status, extracted.stderr).toBe(0);
    runOk('cpio', ['-idm', '--quiet', '-F', file], { cwd: theirs });
    expect(run('diff', ['-r', ours, theirs]).status).toBe(0);
    expect(extracted.stdout.split('\n')).toEqual(expect.arrayContaining(['d', 'd/f']));
  });

  it('errors name the path and its role; commander errors start with initkit:', () => {
    const missing = initkit(['cpio', 'list', join(temp(), 'nonexist')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `initkit: no such file: ${join(temp(), 'nonexist')} (the archive) [CLI_FILE_NOT_FOUND]\n`,
    );
    const notDirectory = initkit(['cpio', 'create', '-C', join(temp(), 'no-dir'), '-o', join(temp(), 'y.cpio')]);
    expect(notDirectory.status).toBe(1);
    expect(notDirectory.stderr).toContain(`no such directory: ${join(temp(), 'no-dir')} (the -C directory to pack)`);
    const list = initkit(['cpio', 'create', '--from-list', join(temp(), 'no-list'), '-o', join(temp(), 'y.cpio')]);
    expect(list.stderr).toContain('(the --from-list file)');
    const unknown = initkit(['cpio', 'list', '--frobnicate', 'x']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^initkit: unknown option '--frobnicate'/);
  });
});
