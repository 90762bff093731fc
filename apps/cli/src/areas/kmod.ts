/**
 * `initkit kmod`: kernel modules as modprobe, modinfo and depmod see them, with their flags: `deps`
 * (modprobe -d/-S/-a/-C, --show-depends), `info` (modinfo -b/-k/-F/-0), `depmod` (depmod -b/-n/-P).
 * This file declares the commands; the actions live in kmod-deps.ts and kmod-info.ts.
 */
import { type Command, Option } from 'commander';
import { writeStdout } from '../output.js';
import { depsAction } from './kmod-deps.js';
import { infoAction } from './kmod-info.js';

const loadDepmod = () => import('@initkit/kmod/node/depmod');

const DEPMOD_TEXT_FILES = ['modules.dep', 'modules.alias', 'modules.softdep', 'modules.symbols', 'modules.devname'];

/** Adds the `kmod` sub-commands to the area's command (named and described in catalog.ts). */
export function registerKmod(kmod: Command): void {
  kmod
    .command('deps')
    .description('the modules to load for MODULE... (names or aliases) in load order, one file path a line')
    .argument('<module...>', 'module names or aliases (- and _ are the same)')
    .option('-d, --dirname <dir>', 'root directory holding lib/modules/RELEASE (as modprobe -d)', undefined)
    .option('-S, --set-version <release>', "kernel release (default: the tree's only release, else the running kernel)")
    .addOption(new Option('-b, --root <dir>', 'the same as -d (its earlier name)').hideHelp())
    .addOption(new Option('-k, --kver <release>', 'the same as -S (its earlier name)').hideHelp())
    .option('-a, --all', 'every word is a module (as modprobe -a); needed for several with --show-depends')
    .option(
      '-C, --config <dir>',
      'read modprobe.d *.conf files from DIR only (default: ROOT/etc/modprobe.d, ROOT/usr/lib/modprobe.d, ...)',
    )
    .option('--show-depends', 'print exactly what `modprobe --show-depends` prints (insmod/install/builtin lines)')
    .option('--json', 'print the load steps as JSON')
    .action(depsAction);

  kmod
    .command('info')
    .description("show a module's .modinfo and signature as `modinfo` prints them (a file, or a name in a tree)")
    .argument('<module>', 'module file (.ko, .ko.gz, .ko.xz, .ko.zst), or a name or alias as modinfo takes it')
    .option('-b, --basedir <dir>', 'with a name: root directory holding lib/modules/RELEASE (as modinfo -b)')
    .option(
      '-k, --set-version <release>',
      "with a name: kernel release (default: the tree's only release, else the running kernel)",
    )
    .option('-F, --field <field>', "print only this field's values (modinfo -F)")
    .option('-0, --null', 'end each value with NUL instead of a newline')
    .option('--json', 'print the fields as JSON')
    .action(infoAction);

  kmod
    .command('depmod')
    .description(
      'write modules.dep, modules.alias, ... and the binary indexes for DIR/lib/modules/KVER, as `depmod -b` does',
    )
    .argument('<kver>', 'kernel release')
    .option('-b, --basedir <dir>', 'root directory holding lib/modules/KVER', '/')
    .option('-n, --dry-run', 'print the text files to stdout instead of writing them')
    .option('-P, --symbol-prefix <char>', 'architecture symbol prefix')
    .action(depmodAction);
}

async function depmodAction(release: string, flags: { basedir: string; dryRun?: boolean; symbolPrefix?: string }) {
  const { depmodDirectory, moduleDirectory } = await loadDepmod();
  const directory = moduleDirectory(flags.basedir, release);
  const result = await depmodDirectory(directory, { dryRun: flags.dryRun, symbolPrefix: flags.symbolPrefix });
  if (!flags.dryRun) return;
  for (const name of DEPMOD_TEXT_FILES) {
    const contents = result.files.get(name);
    if (contents) await writeStdout(contents);
  }
}
