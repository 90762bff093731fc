/**
 * Commands about disks and memory that real boot scripts use: `part uuid` (the PARTUUID a script puts in
 * bootargs, from the caller's table or a derived placeholder) and `unzip` (a gzip image decompressed to
 * another address, which then holds the same file).
 */
import { ByteReader } from '@initkit/core';
import { formatAddress, formatEnvHex, hexToNumber } from './address.js';
import type { CommandHandler } from './machine.js';

/** `part uuid <interface> <dev>:<part> [varname]`: print the partition's UUID or set varname to it. */
const part: CommandHandler = ({ machine, args }) => {
  if (args[1] !== 'uuid') {
    machine.warn(`part ${args.slice(1).join(' ')}: not modelled, assumed to succeed`);
    return 0;
  }
  const [, , iface, device, name] = args;
  if (iface === undefined || device === undefined) return 1;
  const where = `${iface} ${device}`;
  let uuid = machine.partitionUuid(where);
  if (uuid === undefined) {
    // An MBR-style PARTUUID (disk signature, partition number) with the signature unknown.
    const partition = Number.parseInt(device.split(':')[1] ?? '1', 16);
    uuid = `00000000-${partition.toString(16).padStart(2, '0')}`;
    machine.warn(`part uuid ${where}: not in partitionUuids, using the placeholder ${uuid}`);
  }
  if (name === undefined) machine.print(uuid);
  else machine.env.set(name, uuid);
  return 0;
};

/**
 * `unzip <srcaddr> <dstaddr> [dstsize]`: the gzip file loaded at srcaddr, decompressed at dstaddr. The
 * size (filesize) is the gzip trailer's ISIZE when the bytes are known.
 */
const unzip: CommandHandler = ({ machine, args, line }) => {
  if (args[1] === undefined || args[2] === undefined) return 1;
  const source = machine.fileAt(hexToNumber(args[1]));
  const destination = hexToNumber(args[2]);
  const bytes =
    source?.file == null
      ? undefined
      : machine.resolveFile(source.file, {
          command: source.command,
          ...(source.device ? { device: source.device } : {}),
        });
  let size: number | undefined;
  if (bytes instanceof Uint8Array) {
    if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
      machine.print('Error: Bad gzipped data');
      return 1;
    }
    // gzip's ISIZE: the last four bytes, little-endian (what U-Boot's unzip prints).
    size = new ByteReader(bytes).seek(bytes.length - 4).u32le('gzip ISIZE');
    machine.print(`Uncompressed size: ${size} = 0x${size.toString(16).toUpperCase()}`);
    machine.env.set('filesize', formatEnvHex(size));
  } else {
    machine.warn(`unzip ${args[1]} ${args[2]}: the compressed bytes are not known, filesize not set`);
  }
  machine.loads.push({
    command: 'unzip',
    address: formatAddress(destination),
    file: source?.file ?? null,
    ...(size === undefined ? {} : { size }),
    line,
  });
  return 0;
};

export const DISK_COMMANDS: Record<string, CommandHandler> = { part, unzip };
