/**
 * bootm, bootz and booti end the script: the plan records the kernel, initrd and device tree
 * addresses and the files loaded there. `-` as the initrd means none; `addr:size` is a raw initrd;
 * without arguments the kernel is at image_load_addr (the last load). Also `fdt addr`, which sets
 * `fdtaddr`, and `source`, which runs a script image that a load put in memory.
 */
import { formatAddress, formatEnvHex, hexToNumber } from './address.js';
import { decodeScriptText, unwrapScriptImage } from './image.js';
import type { CommandHandler, Machine } from './machine.js';
import type { BootImageRef } from './plan.js';

function resolve(machine: Machine, address: number, size?: string): BootImageRef {
  const load = machine.fileAt(address);
  return {
    address: formatAddress(address),
    file: load?.file ?? null,
    ...(size === undefined ? {} : { size }),
  };
}

/** An address argument; FIT forms (`addr#config`, `addr:image`) keep only the address. */
function addressOf(argument: string): number {
  return hexToNumber(argument.split(/[#:]/)[0] as string);
}

const bootCommand: CommandHandler = ({ machine, args, line, name }) => {
  const command = name as 'bootm' | 'bootz' | 'booti';
  const [, kernelArg, initrdArg, fdtArg] = args;
  const kernel = resolve(machine, kernelArg === undefined ? machine.imageLoadAddress : addressOf(kernelArg));
  let initrd: BootImageRef | null = null;
  if (initrdArg !== undefined && initrdArg !== '-') {
    const [address, size] = initrdArg.split(':');
    initrd =
      command !== 'bootm' && size !== undefined
        ? resolve(machine, hexToNumber(address as string), size)
        : resolve(machine, addressOf(initrdArg), size);
  }
  const fdt = fdtArg === undefined ? null : resolve(machine, addressOf(fdtArg));
  if (kernel.file === null) machine.warn(`${command}: nothing was loaded at ${kernel.address} (the kernel)`);
  if (initrd && initrd.file === null) machine.warn(`${command}: nothing was loaded at ${initrd.address} (the initrd)`);
  if (fdt && fdt.file === null) machine.warn(`${command}: nothing was loaded at ${fdt.address} (the device tree)`);
  return machine.boot({ command, kernel, initrd, fdt, args: args.slice(1), line });
};

/**
 * `zboot [addr] [size] [initrd addr] [initrd size] [setup]` (x86): kernel at addr (default: the last
 * load), initrd at its address with its size.
 */
const zboot: CommandHandler = ({ machine, args, line }) => {
  const [, kernelArg, , initrdArg, initrdSize] = args;
  const kernel = resolve(
    machine,
    kernelArg === undefined || kernelArg === '' ? machine.imageLoadAddress : hexToNumber(kernelArg),
  );
  const initrd =
    initrdArg === undefined || initrdArg === '' || initrdArg === '0'
      ? null
      : resolve(machine, hexToNumber(initrdArg), initrdSize);
  if (kernel.file === null) machine.warn(`zboot: nothing was loaded at ${kernel.address} (the kernel)`);
  if (initrd && initrd.file === null) machine.warn(`zboot: nothing was loaded at ${initrd.address} (the initrd)`);
  return machine.boot({ command: 'zboot', kernel, initrd, fdt: null, args: args.slice(1), line });
};

/** True when the bytes loaded at `address` are known and do not start with the FDT magic. */
function knownNotDeviceTree(machine: Machine, address: number): boolean {
  const load = machine.fileAt(address);
  if (load?.file == null) return false;
  const bytes = machine.resolveFile(load.file, {
    command: load.command,
    ...(load.device ? { device: load.device } : {}),
  });
  if (!(bytes instanceof Uint8Array)) return false;
  return bytes.length < 4 || bytes[0] !== 0xd0 || bytes[1] !== 0x0d || bytes[2] !== 0xfe || bytes[3] !== 0xed;
}

const fdt: CommandHandler = ({ machine, args }) => {
  if (args[1] === 'addr') {
    const operands = args.slice(2).filter((argument) => !argument.startsWith('-'));
    if (operands[0] === undefined) return machine.env.has('fdtaddr') ? 0 : 1;
    const address = hexToNumber(operands[0]);
    // U-Boot checks the header first (not with -q): a blob known not to be a device tree is refused.
    if (!args.slice(2).includes('-q') && knownNotDeviceTree(machine, address)) {
      machine.print('libfdt fdt_check_header(): FDT_ERR_BADMAGIC');
      return 1;
    }
    machine.env.set('fdtaddr', formatEnvHex(address));
    return 0;
  }
  machine.warn(`fdt ${args.slice(1).join(' ')}: not modelled, assumed to succeed`);
  return 0;
};

const source: CommandHandler = ({ machine, args, line }) => {
  const address = args[1] === undefined ? machine.defaultLoadAddress : addressOf(args[1]);
  machine.print(`## Executing script at ${address.toString(16).padStart(8, '0')}`);
  const load = machine.fileAt(address);
  if (!load || load.file === null) {
    machine.warn(`source: nothing was loaded at ${formatAddress(address)}`);
    return 1;
  }
  const found = machine.resolveFile(load.file, {
    command: load.command,
    ...(load.device ? { device: load.device } : {}),
  });
  if (!(found instanceof Uint8Array)) {
    machine.warn(`source ${load.file}: its bytes were not given, the script it holds was not run`);
    return 0;
  }
  const script = unwrapScriptImage(found);
  return machine.sourceText(decodeScriptText(script.bytes), line);
};

export const BOOT_COMMANDS: Record<string, CommandHandler> = {
  bootm: bootCommand,
  bootz: bootCommand,
  booti: bootCommand,
  zboot,
  fdt,
  source,
};
