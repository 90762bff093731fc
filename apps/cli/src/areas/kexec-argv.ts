/**
 * The usual `initkit kexec` command lines read without commander: kexec-tools' fixed set of flags, each
 * parsed exactly as commander parses the options registerKexec declares (a value option takes the next
 * argument whatever it is, or `--name=value`; -l/--load takes the next one unless it looks like an option;
 * the last of a repeated option wins; one [kernel] argument). Anything else (--help, an unknown or combined
 * flag, a missing value, `--`, a second argument) returns undefined and goes to commander, which prints
 * the help or its one-line error with exit status 2. Under emulation loading commander (it loads
 * child_process, and with it net and streams) cost more than the rest of the command (bench/RESULTS.md).
 */
import type { KexecOptions } from './kexec.js';

type FlagName = 'reuseCmdline' | 'kexecFileSyscall' | 'kexecSyscall' | 'unload' | 'exec' | 'status' | 'dryRun' | 'json';
type ValueName = 'initrd' | 'ramdisk' | 'append' | 'commandLine' | 'dtb' | 'imageSize' | 'iomem' | 'arch';

const FLAGS: Readonly<Record<string, FlagName>> = {
  '--reuse-cmdline': 'reuseCmdline',
  '-s': 'kexecFileSyscall',
  '--kexec-file-syscall': 'kexecFileSyscall',
  '-c': 'kexecSyscall',
  '--kexec-syscall': 'kexecSyscall',
  '-u': 'unload',
  '--unload': 'unload',
  '-e': 'exec',
  '--exec': 'exec',
  '-S': 'status',
  '--status': 'status',
  '--dry-run': 'dryRun',
  '--json': 'json',
};

const VALUES: Readonly<Record<string, ValueName>> = {
  '--initrd': 'initrd',
  '--ramdisk': 'ramdisk',
  '--append': 'append',
  '--command-line': 'commandLine',
  '--dtb': 'dtb',
  '--image-size': 'imageSize',
  '--iomem': 'iomem',
  '--arch': 'arch',
};

export interface KexecArguments {
  kernel: string | undefined;
  options: KexecOptions;
}

/** What commander would hand the kexec action for these arguments (after `kexec`), or undefined. */
export function parseKexecArgv(args: readonly string[]): KexecArguments | undefined {
  const options: KexecOptions = {};
  let kernel: string | undefined;
  // commander's test for "looks like an option": a lone '-' is a value.
  const looksLikeOption = (arg: string) => arg.length > 1 && arg.startsWith('-');
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = equals > 2 ? arg.slice(0, equals) : arg;
    if (name === '-l' || name === '--load') {
      if (equals > 2) options.load = arg.slice(equals + 1);
      else {
        const next = args[index + 1];
        options.load = next !== undefined && !looksLikeOption(next) ? next : true;
        if (options.load !== true) index++;
      }
    } else if (Object.hasOwn(VALUES, name)) {
      const value = equals > 2 ? arg.slice(equals + 1) : args[++index];
      if (value === undefined) return undefined;
      options[VALUES[name] as ValueName] = value;
    } else if (Object.hasOwn(FLAGS, arg)) {
      options[FLAGS[arg] as FlagName] = true;
    } else if (looksLikeOption(arg) || kernel !== undefined) {
      return undefined;
    } else {
      kernel = arg;
    }
  }
  return { kernel, options };
}
