/**
 * Packaging: both systemd units pass `systemd-analyze verify` (against a copy of this machine's unit
 * directory, with the ExecStart binary in place), and the PKGBUILD builds with makepkg (Debian's
 * pacman-package-manager, run as an unprivileged user since makepkg refuses root) from local sources,
 * into a package whose file list, modes, .PKGINFO and install script are checked, and whose installed
 * app runs and finds koffi where the PKGBUILD put it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/harness/run.js';
import { hasTools, inCI, isRoot } from '../../../test/harness/tools.js';

const app = join(repoRoot, 'apps/archkernel');
const units = ['archkernel-load.service', 'archkernel-load-confirm.service'];

describe.runIf(hasTools('systemd-analyze'))('systemd units', () => {
  it("say what the original said: oneshot, early, not in the kexec'd kernel; confirm only there", () => {
    const service = readFileSync(join(app, 'systemd/archkernel-load.service'), 'utf8');
    for (const line of [
      'Type=oneshot',
      'DefaultDependencies=no',
      'Before=local-fs-pre.target systemd-remount-fs.service',
      'ConditionKernelCommandLine=!archkernel',
      'WantedBy=sysinit.target',
      'ExecStart=/usr/bin/archkernel-load run',
    ]) {
      expect(service.split('\n')).toContain(line);
    }
    const confirm = readFileSync(join(app, 'systemd/archkernel-load-confirm.service'), 'utf8');
    expect(confirm.split('\n')).toContain('ConditionKernelCommandLine=archkernel');
    expect(confirm.split('\n')).toContain('ExecStart=/usr/bin/archkernel-load confirm');
  });

  it('pass systemd-analyze verify', { timeout: 300_000 }, () => {
    const root = mkdtempSync(join(tmpdir(), 'archkernel-units-'));
    try {
      mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
      cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      mkdirSync(join(root, 'usr/bin'), { recursive: true });
      writeFileSync(join(root, 'usr/bin/archkernel-load'), '#!/bin/sh\n');
      chmodSync(join(root, 'usr/bin/archkernel-load'), 0o755);
      for (const unit of units) copyFileSync(join(app, 'systemd', unit), join(root, 'usr/lib/systemd/system', unit));
      const result = spawnSync('systemd-analyze', ['verify', `--root=${root}`, ...units], { encoding: 'utf8' });
      // Warnings (an unknown key, a bad value) leave the exit code 0: they must not appear either.
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

const npmCache = join(repoRoot, 'test/.cache/npm');
const koffiTarballs = ['koffi-3.3.4.tgz', 'koromix-koffi-linux-x64-3.3.4.tgz'];
const haveTarballs = koffiTarballs.every((name) => existsSync(join(npmCache, name)));
if (!haveTarballs) {
  const message = `koffi tarballs missing in ${npmCache} (.ci/run prefetches them with npm pack)`;
  if (inCI) throw new Error(message);
  console.warn(`skipping the makepkg test: ${message}`);
}

describe.runIf(haveTarballs && process.arch === 'x64' && hasTools('makepkg', 'fakeroot', 'bsdtar', 'setpriv'))(
  'PKGBUILD',
  () => {
    it('builds with makepkg into the documented layout', { timeout: 900_000 }, () => {
      expect(existsSync(join(app, 'dist/archkernel-load-app.cjs')), 'archkernel-load is not built (pnpm build)').toBe(
        true,
      );
      const dir = mkdtempSync(join(tmpdir(), 'archkernel-pkg-'));
      try {
        chmodSync(dir, 0o755);
        copyFileSync(join(repoRoot, 'PKGBUILD'), join(dir, 'PKGBUILD'));
        copyFileSync(join(repoRoot, 'archkernel-load.install'), join(dir, 'archkernel-load.install'));
        execFileSync('bash', [join(app, 'scripts/pkg-sources.sh'), dir]);
        copyFileSync(join(npmCache, 'koffi-3.3.4.tgz'), join(dir, 'koffi-3.3.4.tgz'));
        copyFileSync(join(npmCache, 'koromix-koffi-linux-x64-3.3.4.tgz'), join(dir, 'koffi-linux-x64-3.3.4.tgz'));
        mkdirSync(join(dir, 'out'));
        const env = {
          PATH: process.env.PATH,
          HOME: dir,
          PKGDEST: join(dir, 'out'),
          SRCDEST: dir,
          BUILDDIR: join(dir, 'build'),
          LC_ALL: 'C',
        };
        // makepkg refuses to run as root: build as nobody (the directory handed over to it).
        const asUser = isRoot() ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
        if (isRoot()) execFileSync('chown', ['-R', 'nobody:nogroup', dir]);
        const build = spawnSync(
          asUser[0] ?? 'makepkg',
          [...asUser.slice(1), ...(asUser.length ? ['makepkg'] : []), '--nodeps', '--noconfirm', '--noprogressbar'],
          { cwd: dir, env, encoding: 'utf8' },
        );
        expect(build.stderr + build.stdout).toContain('Finished making: archkernel-load 0.1.0-1');
        expect(build.status).toBe(0);
        const pkg = join(
          dir,
          'out',
          readdirSync(join(dir, 'out')).find((name) => name.startsWith('archkernel-load-0.1.0-1-x86_64.pkg.tar'))!,
        );

        const listing = execFileSync('bsdtar', ['-tvf', pkg], { encoding: 'utf8', maxBuffer: 1 << 24 })
          .trim()
          .split('\n');
        const entry = (path: string) =>
          listing.find((line) => line.endsWith(` ${path}`) || line.includes(` ${path} -> `));
        const expectMode = (path: string, mode: string) =>
          expect(entry(path), path).toMatch(new RegExp(`^${mode.replace(/[-]/g, '\\-')} +0 root +root `));
        expectMode('usr/lib/archkernel-load/archkernel-load.cjs', '-rwxr-xr-x');
        expectMode('usr/lib/archkernel-load/archkernel-load-app.cjs', '-rw-r--r--');
        expect(entry('usr/bin/archkernel-load')).toMatch(
          /^lrwxrwxrwx .* usr\/bin\/archkernel-load -> \.\.\/lib\/archkernel-load\/archkernel-load\.cjs$/,
        );
        expectMode('usr/lib/systemd/system/archkernel-load.service', '-rw-r--r--');
        expectMode('usr/lib/systemd/system/archkernel-load-confirm.service', '-rw-r--r--');
        expectMode('etc/archkernel-load.toml', '-rw-r--r--');
        expectMode('usr/share/libalpm/hooks/90-archkernel-load.hook', '-rw-r--r--');
        expectMode('usr/lib/archkernel-load/node_modules/koffi/package.json', '-rw-r--r--');
        expectMode('usr/lib/archkernel-load/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node', '-rw-r--r--');
        expectMode('var/lib/archkernel-load/', 'drwxr-xr-x');
        expectMode('var/cache/archkernel-load/', 'drwxr-xr-x');
        expect(entry('usr/share/doc/archkernel-load/README.md')).toBeDefined();
        expect(entry('usr/share/licenses/archkernel-load/LICENSE')).toBeDefined();
        const files = listing.map((line) => line.replace(/^.* \d\d:\d\d /, '').replace(/ -> .*$/, ''));
        expect(
          files
            .filter(
              (file) =>
                !file.startsWith('.') &&
                !file.startsWith('usr/lib/archkernel-load/node_modules/') &&
                !file.endsWith('/'),
            )
            .sort(),
        ).toEqual(
          [
            'etc/archkernel-load.toml',
            'usr/bin/archkernel-load',
            'usr/lib/archkernel-load/archkernel-load.cjs',
            'usr/lib/archkernel-load/archkernel-load-app.cjs',
            'usr/lib/systemd/system/archkernel-load-confirm.service',
            'usr/lib/systemd/system/archkernel-load.service',
            'usr/share/doc/archkernel-load/README.md',
            'usr/share/libalpm/hooks/90-archkernel-load.hook',
            'usr/share/licenses/archkernel-load/LICENSE',
          ].sort(),
        );

        const pkginfo = execFileSync('bsdtar', ['-xOf', pkg, '.PKGINFO'], { encoding: 'utf8' });
        for (const line of [
          'pkgname = archkernel-load',
          'pkgver = 0.1.0-1',
          'arch = x86_64',
          'license = MIT',
          'backup = etc/archkernel-load.toml',
          'depend = nodejs>=20',
        ]) {
          expect(pkginfo.split('\n')).toContain(line);
        }
        const install = execFileSync('bsdtar', ['-xOf', pkg, '.INSTALL'], { encoding: 'utf8' });
        expect(install).toMatch(
          /post_remove\(\) \{\n {2}rm -f \/boot\/archkernel-initrd\.img \/boot\/archkernel-initrd\.json\n {2}rm -rf \/var\/lib\/archkernel-load \/var\/cache\/archkernel-load\n\}/,
        );

        // The kernel's release is recorded when pacman installs or upgrades a kernel image, and at install.
        const hook = execFileSync('bsdtar', ['-xOf', pkg, 'usr/share/libalpm/hooks/90-archkernel-load.hook'], {
          encoding: 'utf8',
        }).split('\n');
        expect(hook).toEqual(expect.arrayContaining(['Type = Path', 'Target = boot/zImage', 'When = PostTransaction']));
        expect(hook).toContain('Exec = /usr/bin/archkernel-load prepare');
        expect(install).toMatch(/post_install\(\) \{[^}]*\n {2}archkernel-load prepare /);

        // Installed, the app runs and finds koffi beside it.
        const installed = join(dir, 'root');
        mkdirSync(installed);
        execFileSync('bsdtar', ['-xf', pkg, '-C', installed]);
        const bin = join(installed, 'usr/bin/archkernel-load');
        expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' })).toBe(
          'archkernel-load 0.1.0\n',
        );
        const koffi = execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `import { createRequire } from 'node:module'; const k = createRequire(${JSON.stringify(join(installed, 'usr/lib/archkernel-load/archkernel-load-app.cjs'))})('koffi'); console.log(typeof k.load)`,
          ],
          { encoding: 'utf8' },
        );
        expect(koffi).toBe('function\n');
        expect(readFileSync(join(installed, 'etc/archkernel-load.toml'), 'utf8')).toBe(
          readFileSync(join(app, 'archkernel-load.toml'), 'utf8'),
        );
      } finally {
        if (isRoot()) chownSync(dir, 0, 0);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
