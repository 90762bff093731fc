/**
 * `initkit initramfs`: inspect and edit initrds (uImage-wrapped or not, any number of early and
 * compressed members). This file only declares the commands and their flags; the actions live in
 * initramfs-inspect.ts (list, cat, diff, analyze), initramfs-extract.ts, initramfs-edit.ts and
 * initramfs-build.ts (build, check).
 */
import type { Command } from 'commander';
import { compressOption, levelOption, maxOutputOption, repeatable } from '../options.js';
import { registerInitramfsBuild } from './initramfs-build.js';
import { editAction, parseMode } from './initramfs-edit.js';
import { extractAction } from './initramfs-extract.js';
import { analyzeAction, catAction, diffAction, listAction, setMaxOutput } from './initramfs-inspect.js';

/** Adds the `initramfs` sub-commands to the area's command (named and described in catalog.ts). */
export function registerInitramfs(initramfs: Command): void {
  registerInitramfsBuild(initramfs);
  initramfs.hook('preAction', (_initramfs, action) => setMaxOutput(action.opts().maxOutput));
  initramfs
    .command('list')
    .alias('ls')
    .description('list the merged tree the kernel would unpack (or each member with --members)')
    .argument('<file>', 'initrd (optionally in a uImage)')
    .option('--members', 'list each member in order, names as stored (what lsinitramfs prints)')
    .option('-v, --verbose', 'long listing, like cpio -tv')
    .option('-n, --numeric-uid-gid', 'with -v: numeric owners')
    .option('--raw', 'print names as stored (control characters included) instead of escaped')
    .option('--no-verify', 'do not check the uImage data CRC')
    .option('--json', 'print as JSON (names raw, with nameHex for bytes that are not UTF-8)')
    .addOption(maxOutputOption())
    .action(listAction);

  initramfs
    .command('cat')
    .description('write one file of the merged tree to stdout (symlinks followed)')
    .argument('<file>', 'initrd')
    .argument('<path>', 'path inside the initrd')
    .addOption(maxOutputOption())
    .action(catAction);

  initramfs
    .command('extract')
    .description('extract the merged tree safely (or the unmkinitramfs layout with --split)')
    .argument('<file>', 'initrd')
    .option('-C, --directory <dir>', 'target directory (default: the current directory, as cpio -i)')
    .option('--split', 'early members in early/, early2/, ..., the rest in main/ (as unmkinitramfs)')
    .option('--devices', 'create device nodes (as root)')
    .option('--no-same-owner', 'do not restore owners (default as root: restore them)')
    .option('--no-verify', 'do not check the uImage data CRC')
    .option('-v, --verbose', 'print each path written')
    .option('--json', 'print what was written and skipped as JSON')
    .addOption(maxOutputOption())
    .action(extractAction);

  initramfs
    .command('diff')
    .description('paths added, removed and changed between two initrds; exit 1 when they differ, as diff does')
    .argument('<a>', 'first initrd')
    .argument('<b>', 'second initrd')
    .option('--json', 'print as JSON')
    .addOption(maxOutputOption())
    .action(diffAction);

  initramfs
    .command('analyze')
    .description('members, compression and ratios, microcode, modules and their dependencies, /init, overwrites')
    .argument('<file>', 'initrd')
    .option('--json', 'print as JSON')
    .addOption(maxOutputOption())
    .action(analyzeAction);

  initramfs
    .command('edit')
    .description('add/remove files, add modules with their dependencies, wrap /init; append a member or rewrite')
    .argument('<in>', 'initrd to edit')
    .option('-o, --output <file>', 'where to write the result (default: stdout, unless it is a terminal)')
    .option('--add <hostpath:path>', 'add or replace PATH with the host file (repeatable)', repeatable)
    .option('--remove <path>', 'remove PATH and everything under it (full mode only; repeatable)', repeatable)
    .option('--modules <dir>', 'module tree to take modules from: a lib/modules/<release> directory')
    .option('--kver <release>', 'module tree ROOT/lib/modules/RELEASE (as build takes it)')
    .option('-b, --root <dir>', 'with --kver: the root holding lib/modules (default /)')
    .option(
      '--add-module <name>',
      'add a module and its dependencies (repeatable; needs --modules or --kver)',
      repeatable,
    )
    .option('--decompress-modules', 'store .ko.xz/.ko.gz/.ko.zst modules decompressed')
    .option('--wrap-init', 'keep /init as /init.orig and install an /init that loads the modules first')
    .option('--init-name <name>', 'where --wrap-init keeps the original /init', 'init.orig')
    .option('--mode <mode>', 'append (one new member) or full (rewrite everything)', parseMode, 'append')
    .addOption(compressOption('compression of the new member'))
    .addOption(levelOption())
    .option('--mtime <seconds>', 'mtime of the entries written (default: SOURCE_DATE_EPOCH, else now)')
    .option(
      '--force',
      "add modules and ELF files built for another machine than the initrd's (its modules, else its uImage arch)",
    )
    .option('--json', 'print a summary as JSON (no progress)')
    .option('-q, --quiet', 'print nothing on success')
    .addOption(maxOutputOption())
    .action(editAction);
}
