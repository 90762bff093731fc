/**
 * `initkit cpio`: list archives like `cpio -t` / `cpio -tv`, extract them safely, and create them
 * from a directory or a gen_init_cpio list. This file declares the commands and their flags; the
 * actions live in cpio-list.ts, cpio-extract.ts and cpio-create.ts.
 */
import { type Command, Option } from 'commander';
import { createAction, parseHeaderFormat } from './cpio-create.js';
import { extractAction } from './cpio-extract.js';
import { listAction } from './cpio-list.js';

/** Adds the `cpio` sub-commands to the area's command (named and described in catalog.ts). */
export function registerCpio(cpio: Command): void {
  cpio
    .command('list')
    .alias('ls')
    .description('list the entries: names like `cpio -t`, with -v lines like `cpio -tv`')
    .argument('<file>', "archive file ('-' for stdin)")
    .option('-v, --verbose', 'ls -l style lines, as cpio -tv prints them')
    .option('-n, --numeric-uid-gid', 'with -v, show uid and gid numbers instead of names')
    .option('--raw', 'print names as stored (control characters included) instead of escaped')
    .option('--json', 'print every header field of every entry as JSON (names raw, nameHex when not UTF-8)')
    .option('--all', 'go on after TRAILER!!! through NUL padding into following archives')
    .option('--no-verify', 'do not check crc-format data sums')
    .action(listAction);

  cpio
    .command('extract')
    .description(
      'extract safely into a directory (default: the current one, as cpio -i): nothing is written outside it',
    )
    .argument('<file>', "archive file ('-' for stdin)")
    .option('-C, --directory <dir>', 'target directory (created if missing; default: the current directory)')
    .option('--devices', 'create device nodes (needs root)')
    .option('--no-same-owner', 'do not restore owners (default as root: restore them)')
    .option('--no-verify', 'do not check crc-format data sums')
    .option('--atomic', 'extract beside the target and rename it into place at the end: a failure leaves nothing')
    .option('-v, --verbose', 'print each name as it is extracted')
    .option('--json', 'print the extraction report as JSON')
    .action(extractAction);

  cpio
    .command('create')
    .description('create an archive from a directory (like find . | cpio -o -H newc) or a gen_init_cpio list')
    .option('-C, --directory <dir>', 'directory to pack; with --from-list, where relative locations start')
    .option('--from-list <list>', 'build from a gen_init_cpio list file instead of a directory')
    .option('-o, --output <file>', 'archive to write (default: stdout, unless it is a terminal)')
    .addOption(
      new Option('-H, --format <format>', 'header format, as cpio -H')
        .choices(['newc', 'crc'])
        .default('newc')
        .argParser(parseHeaderFormat),
    )
    .option('--reproducible', 'sorted names, inodes from 1, owner 0:0, mtime SOURCE_DATE_EPOCH (else 0)')
    .option(
      '-t, --mtime <seconds>',
      'with --from-list: mtime of non-file entries (default SOURCE_DATE_EPOCH, else now)',
    )
    .action(createAction);
}
