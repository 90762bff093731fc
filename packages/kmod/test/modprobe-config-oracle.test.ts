/**
 * Oracle: modules as libkmod resolves them, against `modprobe -d ROOT -S KVER -C DIR --show-depends` on
 * a small tree: modprobe.d (alias, softdep, install, options, blacklist) from ROOT/etc/modprobe.d and
 * ROOT/usr/lib/modprobe.d (a file name in etc hiding the same one in usr/lib), an external module with
 * an absolute modules.dep path, zero-byte indexes, and a text modules.dep that disagrees with its index.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { KmodIndex, KmodIndexBuilder } from '../src/index-file.js';
import { ModuleDatabase } from '../src/module-database.js';
import { readModprobeConfig } from '../src/node/modprobe-d.js';
import { formatShowDepends, probeList } from '../src/resolve.js';

const RELEASE = '9.9.9-test';

const ETC_CONF: Record<string, string> = {
  'a.conf': `# aliases, blacklist, install and options
alias zed foo
alias only-blacklisted gone
blacklist gone
install foo /bin/echo $CMDLINE_OPTS hi
options foo a=1 \\
  b=2
options bar-mod y=2
softdep baz pre: bar-mod post: qux
`,
};
const USR_CONF: Record<string, string> = {
  'a.conf': 'install bar-mod /bin/false\n',
  'b.conf': 'options foo z=9\nalias via-usr baz\n',
};

const QUERIES = ['foo', 'zed', 'bar-mod', 'bar_mod', 'baz', 'via-usr', 'only-blacklisted', 'gone', 'ext', 'qux'];

describe.runIf(hasTools('modprobe'))('modprobe.d, external modules and indexes, against modprobe', () => {
  const temp = useTempDir('initkit-kmod-config-');
  let root = '';
  let directory = '';

  beforeAll(() => {
    root = temp();
    directory = join(root, 'lib', 'modules', RELEASE);
    for (const dir of ['kernel', '../../../etc/modprobe.d', '../../../usr/lib/modprobe.d', '../../../ext']) {
      mkdirSync(join(directory, dir), { recursive: true });
    }
    for (const [name, text] of Object.entries(ETC_CONF)) writeFileSync(join(root, 'etc/modprobe.d', name), text);
    for (const [name, text] of Object.entries(USR_CONF)) writeFileSync(join(root, 'usr/lib/modprobe.d', name), text);
    const external = join(root, 'ext', 'ext.ko');
    // The binary index is what libkmod reads; the text modules.dep below says something else.
    const lines: [string, string][] = [
      ['bar_mod', 'kernel/bar-mod.ko:'],
      ['foo', 'kernel/foo.ko: kernel/bar-mod.ko'],
      ['baz', 'kernel/baz.ko:'],
      ['qux', 'kernel/qux.ko:'],
      ['gone', 'kernel/gone.ko:'],
      ['ext', `${external}: kernel/foo.ko`],
    ];
    const dep = new KmodIndexBuilder();
    for (const [index, [name, line]] of lines.entries()) dep.insert(name, line, index);
    writeFileSync(join(directory, 'modules.dep.bin'), dep.serialize());
    writeFileSync(join(directory, 'modules.dep'), 'kernel/foo.ko:\n');
    for (const empty of ['modules.alias.bin', 'modules.symbols.bin', 'modules.builtin.bin']) {
      writeFileSync(join(directory, empty), '');
    }
    for (const [, line] of lines) {
      const path = line.slice(0, line.indexOf(':'));
      writeFileSync(path.startsWith('/') ? path : join(directory, path), '');
    }
  });

  function ours(query: string): string {
    const files = new Map<string, Uint8Array>();
    for (const name of [
      'modules.dep',
      'modules.dep.bin',
      'modules.alias.bin',
      'modules.symbols.bin',
      'modules.builtin.bin',
    ]) {
      files.set(name, new Uint8Array(readFileSync(join(directory, name))));
    }
    const config = readModprobeConfig(root);
    const database = new ModuleDatabase(files, {
      aliases: config.aliases,
      softdeps: config.softdeps,
      blacklist: config.blacklist,
    });
    return formatShowDepends(
      probeList(database, query, { installs: config.installs, options: config.options }),
      directory,
    );
  }

  it('reads a zero-byte index as an empty index', () => {
    expect([...new KmodIndex(new Uint8Array(0)).entries()]).toEqual([]);
    expect(new KmodIndex(new Uint8Array(0)).lookup('foo')).toEqual([]);
  });

  for (const query of QUERIES) {
    it(`resolves ${query} as modprobe --show-depends does`, () => {
      const configDirs = ['etc/modprobe.d', 'usr/lib/modprobe.d'].flatMap((dir) => ['-C', join(root, dir)]);
      const expected = run('modprobe', ['-d', root, '-S', RELEASE, ...configDirs, '--show-depends', query]);
      expect(expected.status).toBe(0);
      expect(ours(query)).toBe(expected.stdout);
    });
  }
});
