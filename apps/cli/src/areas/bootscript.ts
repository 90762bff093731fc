/**
 * `initkit bootscript`: decompile a script image, compile text into one (byte-identical to `mkimage
 * -A arm -O linux -T script -C none`), check a script (a linter U-Boot does not have), and plan what a
 * script makes U-Boot load and boot. This file declares the commands; the actions live in
 * bootscript-image.ts, bootscript-check.ts and bootscript-plan.ts.
 */
import { type Command, Option } from 'commander';
import { repeatable } from '../options.js';
import { checkAction } from './bootscript-check.js';
import { compileAction, decompileAction } from './bootscript-image.js';
import { planAction } from './bootscript-plan.js';

const dialectOption = (description: string) =>
  new Option('--dialect <dialect>', description).choices(['hush', 'simple']).default('hush');

/** Adds the `bootscript` sub-commands to the area's command (named and described in catalog.ts). */
export function registerBootscript(bootscript: Command): void {
  bootscript
    .command('decompile')
    .description('print the script text inside a script image')
    .argument('<file>', 'script image (boot.scr)')
    .option('--no-verify', 'do not check the data CRC (U-Boot skips it when verify=n)')
    .action(decompileAction);

  bootscript
    .command('compile')
    .description('wrap script text into a script image, byte-identical to mkimage (SOURCE_DATE_EPOCH honoured)')
    .argument('<text>', 'script text file')
    .option('-o, --output <image>', 'output image file (default: stdout, unless it is a terminal)')
    .option('-n, --name <name>', 'image name (cut at 32 bytes)')
    .option('--no-check', 'do not refuse text with a syntax error')
    .addOption(dialectOption('parser to check with'))
    .action(compileAction);

  bootscript
    .command('check')
    .description('lint a script (image or text): syntax errors and unknown commands as FILE:LINE:COLUMN; exit 1 if any')
    .argument('<file>', 'script image or script text')
    .addOption(dialectOption('U-Boot command parser'))
    .option('--json', 'print the findings as JSON')
    .action(checkAction);

  bootscript
    .command('plan')
    .description(
      'run a script (image or text) against an environment and print the loads, the boot command and bootargs',
    )
    .argument('<file>', 'script image or script text')
    .option('--env <name=value>', 'set an environment variable before the script runs (repeatable)', repeatable, [])
    .option(
      '--file-size <spec>',
      'size of a file the script loads, for filesize and overlap warnings: NAME=BYTES, NAME=FILE, or DIR (a TFTP root) (repeatable)',
      repeatable,
      [],
    )
    .option('--no-defaults', 'start from an empty environment instead of the qemu_arm defaults')
    .addOption(dialectOption('U-Boot command parser'))
    .option('--json', 'print the BootPlan as JSON')
    .action(planAction);
}
