/**
 * `initkit uimage`: list, create and extract U-Boot legacy images, compatible with mkimage -l,
 * mkimage -A/-O/-T/-C/-a/-e/-n/-d/-x/-q/-V and dumpimage -p/-o. This file declares the commands; the
 * actions live in uimage-create.ts and uimage-inspect.ts.
 */
import { type CodeCategory, codeTable } from '@initkit/uimage';
import { type Command, Option } from 'commander';
import { printJson, writeStdout } from '../output.js';
import { createAction } from './uimage-create.js';
import { extractAction, listAction } from './uimage-inspect.js';

/** Adds the `uimage` sub-commands to the area's command (named and described in catalog.ts). */
export function registerUimage(uimage: Command): void {
  uimage
    .command('list')
    .alias('ls')
    .description('print the header and contents exactly as `mkimage -l` does')
    .argument('<file>', 'uImage file')
    .option('--json', 'print the parsed header and contents as JSON')
    .option('--no-verify', 'do not fail on a wrong data CRC (report it instead)')
    .action(listAction);

  uimage
    .command('create')
    .description('build a legacy image byte-identical to mkimage (SOURCE_DATE_EPOCH honoured)')
    .addOption(
      new Option('-A, --architecture <arch>', 'CPU architecture (mkimage short name; list: show them)').default('ppc'),
    )
    .addOption(new Option('-O, --os <os>', 'operating system (list: show them)').default('linux'))
    .addOption(new Option('-T, --type <type>', 'image type (list: show them)').default('kernel'))
    .addOption(
      new Option('-C, --compression <comp>', 'compression recorded in the header (list: show them)').default('gzip'),
    )
    .option('-a, --load-address <hex>', 'load address (hex)', '0')
    .option('-e, --entry-point <hex>', 'entry point (hex; default: the load address)')
    .option('-n, --name <name>', 'image name (cut at 32 bytes)', '')
    .option('-d, --datafile <files>', 'data file, or a:b:c for a multi-file image (required)')
    .option('-x, --xip', 'execute in place: the data starts with 64 bytes of 0xff for the header')
    .option('-q, --quiet', 'do not print the listing of the new image')
    .option('-V, --version', 'print the version and exit, as mkimage -V')
    .argument('[image]', "output image file (created 0666 less the umask, as mkimage; '-' for stdout)")
    .addHelpText('after', '\nNames for -A, -O, -T and -C: `-T list` (and so on), or `initkit uimage names`.')
    .action(createAction);

  uimage
    .command('extract')
    .description('write one file of an image, as `dumpimage -p N -o OUT` does (exit 1 when there is no file N)')
    .option('-p, --position <n>', 'file to extract from a multi-file image (from 0)', '0')
    .option('-T, --type <type>', "accepted for dumpimage compatibility; the image's own type is used")
    .requiredOption('-o, --output <file>', 'where to write the file (created 0600 as dumpimage does; - for stdout)')
    .option('--no-verify', 'do not check the data CRC')
    .argument('<image>', 'uImage file')
    .action(extractAction);

  uimage
    .command('names')
    .description('list the short and long names of every os, arch, type and comp code')
    .option('--json', 'print as JSON')
    .action(namesAction);
}

async function namesAction(flags: { json?: boolean }): Promise<void> {
  const categories: CodeCategory[] = ['arch', 'os', 'type', 'comp'];
  if (flags.json) {
    printJson(Object.fromEntries(categories.map((category) => [category, codeTable(category)])));
    return;
  }
  for (const category of categories) {
    await writeStdout(`${category}:\n`);
    for (const { code, short, long } of codeTable(category)) {
      await writeStdout(`  ${String(code).padStart(3)}  ${short.padEnd(22)} ${long}\n`);
    }
  }
}
