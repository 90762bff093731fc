/**
 * `initkit kexec` on its own: built as ONE CommonJS file (dist/kexec-command.cjs) that bin/initkit.cjs runs
 * for that command, the same kexec area and program settings as main.ts. Under TCG emulation (the armhf
 * guest of bench/kexec) resolving and linking the chunked ESM CLI's modules cost more than the command's
 * own work; one CommonJS file is parsed and run in one step. kexec-cache.ts keeps V8's code cache for it.
 * The usual command lines skip commander (areas/kexec-argv.ts); it is loaded, inside the same file, for
 * --help, usage errors and reporting a failure, so those read exactly as in the chunked CLI.
 */

import { kexecAction } from './areas/kexec.js';
import { parseKexecArgv } from './areas/kexec-argv.js';
import { handleOutputErrors } from './output.js';

/** The same words as the kexec entry of areas/catalog.ts (apps/cli/test/kexec-entry.test.ts compares the help). */
const DESCRIPTION =
  'load and start a kernel (kexec-tools flags: -l, --initrd, --append, -u, -e, -S) or --dry-run its plan';

async function main(argv: string[]): Promise<void> {
  const parsed = argv[2] === 'kexec' ? parseKexecArgv(argv.slice(3)) : undefined;
  if (!parsed) return runWithCommander(argv);
  // process.stdout and process.stderr are created on first use (a tty stream loads net and tty): a
  // load that prints nothing never creates them, so their error handlers are added only with output.
  const prints = parsed.options.json || parsed.options.dryRun;
  if (prints) handleOutputErrors();
  try {
    await kexecAction(parsed.kernel, parsed.options);
  } catch (error) {
    if (!prints) handleOutputErrors();
    process.exitCode = (await import('./run.js')).report(error);
    return;
  }
  // A load (or -u, -S) that printed nothing leaves without Node's teardown of its environment and heap,
  // which a one-shot command does not need: 10-60 ms of CPU per `kexec -l` under emulation (bench/RESULTS.md,
  // kexec). 'exit' handlers still run (the first run writes the code cache there). Output is left to the
  // normal end, which waits for it wherever writes are asynchronous.
  if (!prints) process.exit();
}

/** The whole program as main.ts declares it, kexec its only command. */
async function runWithCommander(argv: string[]): Promise<void> {
  const [{ Command }, { registerKexec }, { runProgram }, { VERSION }] = await Promise.all([
    import('commander'),
    import('./areas/kexec.js'),
    import('./run.js'),
    import('./version.js'),
  ]);
  const program = new Command('initkit')
    .description('Files and system calls that boot Linux: uImages, cpio, compression, modules, initrds, TFTP')
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('initkit: add --help for usage');
  registerKexec(program.command('kexec').description(DESCRIPTION));
  await runProgram(program, argv);
}

void main(process.argv);
