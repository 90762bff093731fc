/**
 * Commands that bring files into memory: tftpboot (tftp), dhcp, bootp, and the storage loads (load,
 * fatload, ext2load, ext4load). Each records a LoadRecord and, as U-Boot does after a successful
 * load, sets `filesize` (when the size is known) and `fileaddr` as %lx hex, and moves image_load_addr.
 * Argument rules follow cmd/net.c parse_args() and fs/fs.c do_load() in U-Boot 2023.01.
 */
import { formatAddress, formatEnvHex, hexToNumber, isWholeHex } from './address.js';
import type { CommandHandler, Machine } from './machine.js';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The name U-Boot asks for when no file is given and `bootfile` is unset: the IP address in hex. */
function defaultBootfile(machine: Machine): string | null {
  const match = IPV4.exec(machine.env.get('ipaddr') ?? '');
  if (!match) return null;
  const hex = match
    .slice(1)
    .map((part) => Number(part).toString(16).toUpperCase().padStart(2, '0'))
    .join('');
  return `${hex}.img`;
}

function finishLoad(
  machine: Machine,
  record: { command: string; address: number; file: string | null; server?: string; device?: string; line: number },
): number {
  let size: number | undefined;
  if (record.file !== null) {
    const found = machine.resolveFile(record.file, {
      command: record.command,
      ...(record.device === undefined ? {} : { device: record.device }),
    });
    if (found === null) {
      machine.print(`${record.command}: ${record.file} not found`);
      return 1;
    }
    if (found !== undefined) size = typeof found === 'number' ? found : found.length;
  }
  machine.loads.push({
    command: record.command,
    address: formatAddress(record.address),
    file: record.file,
    ...(record.server === undefined ? {} : { server: record.server }),
    ...(record.device === undefined ? {} : { device: record.device }),
    ...(size === undefined ? {} : { size }),
    line: record.line,
  });
  machine.imageLoadAddress = record.address;
  if (size !== undefined) machine.env.set('filesize', formatEnvHex(size));
  else if (record.file !== null) machine.warn(`${record.command} ${record.file}: size unknown, filesize not set`);
  machine.env.set('fileaddr', formatEnvHex(record.address));
  return 0;
}

/** tftpboot / dhcp / bootp: `[address] [[server:]file]`. */
function networkLoad(machine: Machine, args: string[], command: string, line: number, viaDhcp: boolean): number {
  if (machine.netDevice !== undefined && !machine.env.has('ethact')) machine.env.set('ethact', machine.netDevice);
  if (viaDhcp) for (const [name, value] of Object.entries(machine.network)) machine.env.set(name, value);
  const loadaddr = machine.env.get('loadaddr');
  let address = loadaddr === undefined ? machine.imageLoadAddress : hexToNumber(loadaddr);
  let file: string | null;
  const bootfile = machine.env.get('bootfile') ?? null;
  if (args.length === 1) {
    file = bootfile;
  } else if (args.length === 2) {
    const only = args[1] as string;
    if (isWholeHex(only)) {
      address = hexToNumber(only);
      file = bootfile;
    } else {
      file = only;
    }
  } else if (args.length === 3) {
    address = hexToNumber(args[1] as string);
    file = args[2] as string;
  } else {
    return 1;
  }
  if (viaDhcp && (machine.env.get('autoload') ?? '').match(/^[nN]/)) {
    if (args.length > 1) machine.imageLoadAddress = address;
    return 0;
  }
  if (file === null) {
    if (viaDhcp) {
      machine.warn(`${command}: the boot file name comes from the DHCP server`);
    } else {
      file = defaultBootfile(machine);
    }
  }
  let server = machine.env.get('serverip');
  if (file !== null) {
    const colon = file.indexOf(':');
    if (colon > 0 && IPV4.test(file.slice(0, colon))) {
      server = file.slice(0, colon);
      file = file.slice(colon + 1);
    }
  }
  return finishLoad(machine, { command, address, file, ...(server === undefined ? {} : { server }), line });
}

/** load / fatload / ext2load / ext4load: `<interface> [<dev[:part]> [<addr> [<filename> [bytes [pos]]]]]`. */
const storageLoad: CommandHandler = ({ machine, args, line }) => {
  const command = args[0] as string;
  if (args.length < 2 || args.length > 7) return 1;
  const device = args.length >= 3 ? `${args[1]} ${args[2]}` : (args[1] as string);
  let address: number;
  if (args.length >= 4) {
    if (!isWholeHex(args[3] as string) || (args[3] as string).length === 0) return 1;
    address = hexToNumber(args[3] as string);
  } else {
    const loadaddr = machine.env.get('loadaddr');
    address = loadaddr === undefined ? machine.defaultLoadAddress : hexToNumber(loadaddr);
  }
  const file = args.length >= 5 ? (args[4] as string) : machine.env.get('bootfile');
  if (file === undefined) {
    machine.print('** No boot file defined **');
    return 1;
  }
  return finishLoad(machine, { command, address, file, device, line });
};

export const LOAD_COMMANDS: Record<string, CommandHandler> = {
  tftpboot: ({ machine, args, line }) => networkLoad(machine, args, args[0] as string, line, false),
  dhcp: ({ machine, args, line }) => networkLoad(machine, args, args[0] as string, line, true),
  bootp: ({ machine, args, line }) => networkLoad(machine, args, args[0] as string, line, true),
  load: storageLoad,
  fatload: storageLoad,
  ext2load: storageLoad,
  ext4load: storageLoad,
};
