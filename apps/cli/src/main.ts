/**
 * The `initkit` command: one sub-command per area, each registered from its own file under areas/.
 */
import { Command } from 'commander';
import { registerBootscript } from './areas/bootscript.js';
import { registerCompress } from './areas/compress.js';
import { registerCpio } from './areas/cpio.js';
import { registerInitramfs } from './areas/initramfs.js';
import { registerKernel } from './areas/kernel.js';
import { registerKmod } from './areas/kmod.js';
import { registerTftp } from './areas/tftp.js';
import { registerUimage } from './areas/uimage.js';
import { runProgram } from './run.js';
import { VERSION } from './version.js';

const program = new Command('initkit')
  .description('Files and system calls that boot Linux: uImages, cpio, compression, modules, initrds, TFTP')
  .version(VERSION, '-V, --version')
  .showHelpAfterError('(add --help for usage)');

registerBootscript(program);
registerCompress(program);
registerCpio(program);
registerInitramfs(program);
registerKernel(program);
registerKmod(program);
registerTftp(program);
registerUimage(program);

await runProgram(program, process.argv);
