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
  .showHelpAfterError('(add --help for usage)');

const area = requestedArea(process.argv.slice(2));
if (area) {
  const register = await area.load();
  register(program);
} else {
  for (const { name, description } of AREAS) program.command(name).description(description);
}

await runProgram(program, process.argv);
