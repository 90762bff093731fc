/**
 * `initkit bootscript`: decompile a script image to text, compile text into a script image
 * (byte-identical to `mkimage -A arm -O linux -T script -C none`), and plan what a script makes U-Boot
 * load and boot (text or image in, BootPlan out, `--json` for machines).
 */
import {
  type Dialect,
  decodeScriptText,
  evaluate,
  isScriptImage,
  parseScript,
  unwrapScriptImage,
  wrapScriptImage,
} from '@initkit/bootscript';
import { type Command, Option } from 'commander';
import { readInput } from '../input.js';
import { printJson, writeOutput } from '../output.js';
import { UsageError } from '../usage-error.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseAssignments(pairs: string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`${flag} ${pair}: expected NAME=VALUE`);
    result[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return result;
}

/** Adds the `bootscript` sub-commands to the area's command (named and described in catalog.ts). */
export function registerBootscript(bootscript: Command): void {
  bootscript
    .command('decompile')
    .description('print the script text inside a script image')
    .argument('<file>', 'script image (boot.scr)')
    .option('--no-verify', 'do not check the data CRC (U-Boot skips it when verify=n)')
    .action(async (file: string, options: { verify: boolean }) => {
      const script = unwrapScriptImage(await readInput(file), { verifyChecksums: options.verify });
      process.stdout.write(Buffer.from(script.bytes));
    });

  bootscript
    .command('compile')
    .description('wrap script text into a script image, byte-identical to mkimage (SOURCE_DATE_EPOCH honoured)')
    .argument('<text>', 'script text file')
    .requiredOption('-o, --output <image>', "output image file ('-' for stdout)")
    .option('-n, --name <name>', 'image name (cut at 32 bytes)')
    .option('--no-check', 'do not refuse text with a syntax error')
    .addOption(new Option('--dialect <dialect>', 'parser to check with').choices(['hush', 'simple']).default('hush'))
    .action(async (textFile: string, options: { output: string; name?: string; check: boolean; dialect: Dialect }) => {
      const bytes = await readInput(textFile);
      if (options.check) parseScript(decodeScriptText(bytes), { dialect: options.dialect });
      // Wrap the file's bytes as they are, as mkimage does (no re-encoding of the text).
      await writeOutput(
        options.output,
        wrapScriptImage(bytes, options.name === undefined ? {} : { name: options.name }),
      );
    });

  bootscript
    .command('plan')
    .description(
      'run a script (image or text) against an environment and print the loads, the boot command and bootargs',
    )
    .argument('<file>', 'script image or script text')
    .option('--env <name=value>', 'set an environment variable before the script runs (repeatable)', collect, [])
    .option('--file-size <name=bytes>', 'size of a file the script loads, for filesize (repeatable)', collect, [])
    .option('--no-defaults', 'start from an empty environment instead of the qemu_arm defaults')
    .addOption(new Option('--dialect <dialect>', 'U-Boot command parser').choices(['hush', 'simple']).default('hush'))
    .option('--json', 'print the BootPlan as JSON')
    .action(
      async (
        file: string,
        options: { env: string[]; fileSize: string[]; defaults: boolean; dialect: Dialect; json?: boolean },
      ) => {
        const bytes = await readInput(file);
        const text = isScriptImage(bytes) ? unwrapScriptImage(bytes).text : decodeScriptText(bytes);
        const sizes: Record<string, number> = {};
        for (const [name, value] of Object.entries(parseAssignments(options.fileSize, '--file-size'))) {
          if (!/^\d+$/.test(value)) throw new UsageError(`--file-size ${name}=${value}: expected a byte count`);
          sizes[name] = Number(value);
        }
        const plan = evaluate(text, {
          env: parseAssignments(options.env, '--env'),
          ...(options.defaults ? {} : { defaultEnv: {} }),
          ...(options.fileSize.length > 0 ? { files: (name: string) => sizes[name] } : {}),
          dialect: options.dialect,
        });
        if (options.json) {
          printJson(plan);
          return;
        }
        const lines: string[] = [];
        lines.push(`bootargs: ${plan.bootargs ?? '(unset)'}`);
        for (const load of plan.loads) {
          const where = load.server ? ` from ${load.server}` : load.device ? ` from ${load.device}` : '';
          const size = load.size === undefined ? '' : ` (${load.size} bytes)`;
          lines.push(`load: ${load.command} ${load.file ?? '(DHCP boot file)'}${where} -> ${load.address}${size}`);
        }
        if (plan.boot) {
          const ref = (r: { address: string; file: string | null; size?: string } | null) =>
            r === null ? '-' : `${r.address}${r.size ? `:${r.size}` : ''} (${r.file ?? 'nothing loaded there'})`;
          lines.push(`boot: ${plan.boot.command}`);
          lines.push(`  kernel: ${ref(plan.boot.kernel)}`);
          lines.push(`  initrd: ${ref(plan.boot.initrd)}`);
          lines.push(`  fdt:    ${ref(plan.boot.fdt)}`);
        } else {
          lines.push('boot: (the script boots nothing)');
        }
        for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
