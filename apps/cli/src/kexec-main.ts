/**
 * `initkit kexec` on its own: built as ONE CommonJS file (dist/kexec.cjs) that bin/initkit.cjs runs for
 * that command, the same kexec area and program settings as main.ts. Under TCG emulation (the armhf
 * guest of bench/kexec) resolving and linking the chunked ESM CLI's modules cost more than the command's
 * own work; one CommonJS file is parsed and run in one step. kexec-cache.ts keeps V8's code cache for it.
 */
import { Command } from 'commander';
import { registerKexec } from './areas/kexec.js';
import { runProgram } from './run.js';
import { VERSION } from './version.js';

/** The same words as the kexec entry of areas/catalog.ts (apps/cli/test/kexec-entry.test.ts compares the help). */
const DESCRIPTION =
  'load and start a kernel (kexec-tools flags: -l, --initrd, --append, -u, -e, -S) or --dry-run its plan';

const program = new Command('initkit')
  .description('Files and system calls that boot Linux: uImages, cpio, compression, modules, initrds, TFTP')
  .version(VERSION, '-V, --version')
  .enablePositionalOptions()
  .showHelpAfterError('initkit: add --help for usage');
registerKexec(program.command('kexec').description(DESCRIPTION));

runProgram(program, process.argv);
