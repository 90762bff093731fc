/**
 * The kexec command's own parser (areas/kexec-argv.ts) against commander with the options registerKexec
 * declares: for every command line it takes, the same [kernel] and options as commander hands the action;
 * what it leaves to commander (help, unknown or combined flags, a missing value, `--`) is undefined.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerKexec } from '../src/areas/kexec.js';
import { parseKexecArgv } from '../src/areas/kexec-argv.js';

/** What commander hands the kexec action for these arguments, or its error code. */
function commanderParse(args: string[]): { kernel: string | undefined; options: object } | string {
  const program = new Command('initkit').enablePositionalOptions().exitOverride();
  let seen: { kernel: string | undefined; options: object } | undefined;
  const kexec = program
    .command('kexec')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerKexec(kexec);
  kexec.action((kernel: string | undefined, options: object) => {
    seen = { kernel, options: { ...options } };
  });
  try {
    program.parse(['kexec', ...args], { from: 'user' });
  } catch (error) {
    return (error as { code: string }).code;
  }
  return seen as { kernel: string | undefined; options: object };
}

const TAKEN: string[][] = [
  ['-l', '/kx/zImage', '--initrd', '/kx/initrd', '--append', 'console=ttyAMA0 x=1'],
  ['--load', 'zImage', '--ramdisk=initrd', '--command-line=a=b c', '--reuse-cmdline', '--dtb', 'board.dtb'],
  ['-l', '--initrd', 'i', 'zImage', '--dry-run', '--json', '--iomem', 'iomem.txt', '--arch', 'armhf'],
  ['zImage', '-l'],
  ['-l', '-', '--append', '-x --y'],
  ['--load=', '-s', '--image-size', '0x1000'],
  ['-l', 'a', '-l', 'b', '--append', 'one', '--append', 'two', '-c'],
  ['-u'],
  ['--unload', '--exec', '--status', '-e', '-S', '--kexec-syscall', '--kexec-file-syscall'],
  [],
];

const LEFT: string[][] = [
  ['--help'],
  ['-l', 'zImage', '-h'],
  ['-l/kx/zImage'],
  ['-ue'],
  ['-l', 'zImage', '--bogus'],
  ['-l', 'zImage', '--initrd'],
  ['a', 'b'],
  ['--', 'zImage'],
  ['--json=1', '-u'],
];

describe('parseKexecArgv', () => {
  it.each(TAKEN)('reads %j as commander does', (...args) => {
    const ours = parseKexecArgv(args);
    expect(ours).toBeDefined();
    expect(ours).toEqual(commanderParse(args));
  });

  it.each(LEFT)('leaves %j to commander', (...args) => {
    expect(parseKexecArgv(args)).toBeUndefined();
  });

  it('leaves commander its errors: an unknown option and a missing value are usage errors there', () => {
    expect(commanderParse(['-l', 'zImage', '--bogus'])).toBe('commander.unknownOption');
    expect(commanderParse(['-l', 'zImage', '--initrd'])).toBe('commander.optionMissingArgument');
    expect(commanderParse(['a', 'b'])).toBe('commander.excessArguments');
  });
});
