/**
 * The `initkit` command: one sub-command per area (areas/catalog.ts). Only the area named on the
 * command line is loaded; without one, every area is listed for --help.
 */
import { Command } from 'commander';
import { AREAS, requestedArea } from './areas/catalog.js';
import { runProgram } from './run.js';
import { VERSION } from './version.js';

const program = new Command('initkit')
  .description('Files and system calls that boot Linux: uImages, cpio, compression, modules, initrds, TFTP')
  .version(VERSION, '-V, --version')
  // -V after a sub-command is that command's (uimage create -V prints its version as mkimage -V).
  .enablePositionalOptions()
  .showHelpAfterError('initkit: add --help for usage');

const requested = requestedArea(process.argv.slice(2));
for (const area of requested ? [requested] : AREAS) {
  const command = program.command(area.name).description(area.description);
  if (area === requested) (await area.load())(command);
}

await runProgram(program, process.argv);
