/**
 * The busybox applets the generated /init runs, and the builder's check of the busybox it packs:
 * initApplets(features) equals the command words of the generated scripts (every profile, the udhcpc
 * event script with the network), the applet table read from the ELF equals Debian's `busybox --list`,
 * the minimal busybox (test/harness/minimal-busybox.ts) provides exactly those applets and builds a
 * virtio image, one lacking findfs fails the build naming it, and `initramfs check` finds an image whose
 * busybox lost an applet. Debian's armhf busybox-static is read the same way, never run (qemu-arm-static
 * runs it only as the oracle).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  declaredInitApplets,
  INIT_APPLETS,
  type InitFeature,
  initApplets,
  initScript,
  readBusyboxApplets,
  UDHCPC_SCRIPT,
} from '@initkit/initramfs';
import { buildInitrd, checkInitrdFile, listProfiles, loadProfile } from '@initkit/initramfs/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianArmhfPackages } from '../harness/armhf-node.js';
import { debianCloudKernel } from '../harness/debian-cloud-kernel.js';
import { minimalBusybox } from '../harness/minimal-busybox.js';
import { hasTools } from '../harness/tools.js';

/** Reserved words that start a command list, after which a command name comes. */
const LIST_STARTERS = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{']);
/** Built-ins and keywords whose words up to the next separator name no program. */
const NO_PROGRAM = new Set(['export', 'read', 'return', 'set', 'continue', 'for', 'fi', 'done', 'esac', '}']);

/**
 * The program names a POSIX sh script runs: a small lexer (quotes, backslashes, ${...}, $((...)), $(...)
 * nested, comments, case patterns) that collects the first word of every simple command, skipping
 * assignments, redirections, `exec`, reserved words, built-ins that run nothing and the script's own
 * functions. Enough for the generated scripts, which use no aliases, eval or backquotes.
 */
function commandWords(script: string): Set<string> {
  const functions = new Set([...script.matchAll(/^(\w+)\(\) \{$/gm)].map((match) => match[1]!));
  const text = script.replace(/^(\w+)\(\) \{$/gm, '{');
  const words = new Set<string>();
  let at = 0;

  /** Skips to the `close` that balances the `open` just passed, honouring quotes and escapes. */
  const skipBalanced = (open: string, close: string) => {
    let depth = 1;
    while (at < text.length && depth > 0) {
      const c = text[at]!;
      if (c === '\\') at += 2;
      else if (c === "'") at = text.indexOf("'", at + 1) + 1;
      else {
        if (c === open) depth++;
        else if (c === close) depth--;
        at++;
      }
    }
  };

  /** Reads one word (quotes and expansions included; a $(...) inside runs `commands`). */
  const readWord = (): string => {
    let word = '';
    while (at < text.length) {
      const c = text[at]!;
      // `2>&1`: the & belongs to the redirection.
      if (/\s/.test(c) || (';&|()'.includes(c) && !(c === '&' && /[<>]$/.test(word)))) break;
      if (c === '\\') {
        word += text.slice(at, at + 2);
        at += 2;
      } else if (c === "'") {
        const end = text.indexOf("'", at + 1);
        word += text.slice(at, end + 1);
        at = end + 1;
      } else if (c === '"') {
        at++;
        word += '"';
        while (at < text.length && text[at] !== '"') {
          if (text[at] === '\\') at += 2;
          else if (text.startsWith('$(', at) && !text.startsWith('$((', at)) {
            at += 2;
            commands(')');
            word += '$()';
          } else if (text.startsWith('${', at) || text.startsWith('$((', at)) {
            const open = text[at + 1]!;
            at += 2;
            skipBalanced(open, open === '{' ? '}' : ')');
            word += '$';
          } else at++;
        }
        at++;
        word += '"';
      } else if (text.startsWith('$((', at)) {
        at += 3;
        skipBalanced('(', ')');
        at++;
        word += '$';
      } else if (text.startsWith('$(', at)) {
        at += 2;
        commands(')');
        word += '$()';
      } else if (text.startsWith('${', at)) {
        at += 2;
        skipBalanced('{', '}');
        word += '$';
      } else {
        word += c;
        at++;
      }
    }
    return word;
  };

  /** Reads commands until `end` (a ')' closing $( or the end of the text), collecting their names. */
  const commands = (end: string | undefined) => {
    let position: 'command' | 'arguments' | 'pattern' | 'case-word' | 'seconds' = 'command';
    const caseStack: boolean[] = [];
    while (at < text.length) {
      const c = text[at]!;
      if (c === ' ' || c === '\t') {
        at++;
        continue;
      }
      if (c === '#' && position !== 'arguments') {
        at = text.indexOf('\n', at);
        if (at < 0) at = text.length;
        continue;
      }
      if (end !== undefined && c === end && position !== 'pattern') {
        at++;
        return;
      }
      if (c === '\n' || c === ';' || c === '&' || c === '|' || c === '(') {
        const double = text.startsWith(';;', at);
        at += double || text.startsWith('&&', at) || text.startsWith('||', at) ? 2 : 1;
        if (double) position = 'pattern';
        else if (position !== 'pattern') position = 'command';
        continue;
      }
      if (c === ')') {
        at++;
        if (position === 'pattern') position = 'command';
        continue;
      }
      const word = readWord();
      if (position === 'pattern') {
        if (word === 'esac') {
          caseStack.pop();
          position = 'arguments';
        }
        continue;
      }
      if (position === 'case-word') {
        if (word === 'in') position = 'pattern';
        continue;
      }
      if (position === 'arguments') continue;
      if (position === 'seconds') {
        position = 'command'; // `timeout SECONDS PROGRAM ...` runs PROGRAM
        continue;
      }
      if (word === 'case') {
        caseStack.push(true);
        position = 'case-word';
      } else if (LIST_STARTERS.has(word) || /^\w+=/.test(word) || /^\d*[<>]/.test(word) || word === 'exec') {
        // still a command position
      } else if (NO_PROGRAM.has(word)) position = 'arguments';
      else {
        if (!functions.has(word)) words.add(word);
        position = word === 'timeout' ? 'seconds' : 'arguments';
      }
    }
  };

  commands(undefined);
  return words;
}

const FEATURE_SETS: InitFeature[][] = [[], ['network'], ['network', 'nbd']];

describe('the applets the generated /init runs', () => {
  it.each(FEATURE_SETS.map((features) => [features.join('+') || 'local disk', features] as const))(
    '%s: initApplets equals the command words of the /init (and of the udhcpc script)',
    (_name, features) => {
      const init = initScript({ release: '6.1.0-test', modules: ['kernel/a.ko'], features, defaultFilesystem: 'ext4' });
      const words = commandWords(init);
      if (features.includes('network')) for (const word of commandWords(UDHCPC_SCRIPT)) words.add(word);
      // nbd-client is no applet: the scaleway-c1 build adds it with --add-binary; /init re-runs itself.
      words.delete('nbd-client');
      words.delete('/init');
      expect([...words].sort()).toEqual(initApplets(features));
      expect(declaredInitApplets(init)).toEqual(initApplets(features));
    },
  );

  it('every profile declares the applets of its features, scaleway-c1 (DHCP, NBD) all of them', () => {
    for (const name of listProfiles()) {
      const profile = loadProfile(name);
      const init = initScript({ release: 'r', modules: [], features: profile.features });
      expect(declaredInitApplets(init), name).toEqual(initApplets(profile.features));
    }
    expect(initApplets(loadProfile('scaleway-c1').features)).toEqual([...INIT_APPLETS]);
    expect(INIT_APPLETS).toEqual([
      '[',
      'cat',
      'echo',
      'findfs',
      'ifconfig',
      'insmod',
      'ip',
      'ls',
      'mkdir',
      'mount',
      'nc',
      'od',
      'printf',
      'readlink',
      'route',
      'sh',
      'switch_root',
      'timeout',
      'tr',
      'udhcpc',
      'umount',
      'usleep',
    ]);
  });
});

describe.runIf(hasTools('busybox', 'gcc', 'make', 'patch'))('the busybox the builder packs', () => {
  const work = mkdtempSync(join(tmpdir(), 'initkit-applets-'));
  let minimal: string;
  let lacking: string;
  beforeAll(async () => {
    minimal = (await minimalBusybox()).path;
    lacking = (await minimalBusybox({ without: 'findfs' })).path;
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const busyboxPath = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
  const applets = (path: string) => readBusyboxApplets(new Uint8Array(readFileSync(path)), path);

  it("reads Debian's busybox-static applet table from the ELF: the same names as busybox --list", () => {
    const listed = execFileSync(busyboxPath, ['--list'], { encoding: 'utf8' }).trim().split('\n');
    const table = applets(busyboxPath);
    expect(table).toEqual([...listed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(table).toEqual(expect.arrayContaining([...INIT_APPLETS]));
  });

  it.runIf(hasTools('qemu-arm-static'))(
    "reads Debian's armhf busybox-static without running it: the names qemu-arm-static busybox --list prints",
    async () => {
      // The package group nbd-boot.test.ts fetches, so the cached tree is shared.
      const { root } = await debianArmhfPackages([
        'busybox-static',
        'nbd-client',
        'libc6',
        'libgnutls30',
        'libnl-3-200',
        'libnl-genl-3-200',
      ]);
      const armhf = join(root, 'bin', 'busybox');
      const listed = execFileSync('qemu-arm-static', [armhf, '--list'], { encoding: 'utf8' }).trim().split('\n');
      expect(applets(armhf)).toEqual([...listed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(applets(armhf)).toEqual(expect.arrayContaining([...INIT_APPLETS]));
    },
    300_000,
  );

  it('the minimal busybox has exactly the /init applets (and ash, test, which the shell and [ bring)', () => {
    expect(applets(minimal)).toEqual([...INIT_APPLETS, 'ash', 'test'].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(applets(lacking)).toEqual(applets(minimal).filter((applet) => applet !== 'findfs'));
  });

  it('a file that is not busybox has no applet table', () => {
    expect(() => applets(process.execPath)).toThrow(
      expect.objectContaining({ code: 'INITRAMFS_BAD_BUSYBOX', message: expect.stringContaining('BusyBox v') }),
    );
  });

  const kernel = debianCloudKernel();

  it('builds the virtio image with the minimal busybox, and fails naming findfs with one lacking it', async () => {
    const built = await buildInitrd({ modules: kernel.modulesDir, profiles: ['virtio'], busybox: minimal });
    expect(built.plan.applets).toEqual(initApplets([]));
    expect(built.plan.busyboxApplets).toEqual(applets(minimal));
    const links = built.plan.paths.filter((path) => path.kind === 'symlink' && path.path.startsWith('bin/'));
    expect(links.map((link) => link.path.slice(4)).sort()).toEqual(initApplets([]));
    await expect(
      buildInitrd({ modules: kernel.modulesDir, profiles: ['virtio'], busybox: lacking }),
    ).rejects.toMatchObject({
      code: 'INITRAMFS_BAD_BUSYBOX',
      message: expect.stringContaining('lacks the applet findfs, which the /init runs'),
    });
  }, 120_000);

  it('initramfs check passes with the packed busybox and names findfs when the image busybox lacks it', async () => {
    const good = join(work, 'good.img');
    writeFileSync(
      good,
      (await buildInitrd({ modules: kernel.modulesDir, profiles: ['virtio'], busybox: minimal })).bytes,
    );
    const goodReport = await checkInitrdFile(good, { kver: kernel.release, modules: kernel.modulesDir });
    expect(goodReport.results.find((result) => result.name === 'applets')).toMatchObject({ ok: true });
    // --add-file puts the lacking busybox over the checked one: the image's /bin/busybox has no findfs.
    const bad = join(work, 'bad.img');
    const swapped = await buildInitrd({
      modules: kernel.modulesDir,
      profiles: ['virtio'],
      busybox: minimal,
      addFiles: [{ host: lacking, path: '/bin/busybox' }],
    });
    writeFileSync(bad, swapped.bytes);
    const badReport = await checkInitrdFile(bad, { kver: kernel.release, modules: kernel.modulesDir });
    expect(badReport.ok).toBe(false);
    expect(badReport.results.find((result) => result.name === 'applets')).toMatchObject({
      ok: false,
      detail: "the /init runs findfs, but /bin/busybox's applet table has no findfs",
    });
  }, 120_000);
});
