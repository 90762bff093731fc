/**
 * Encoding and decoding of the six TFTP packets: RRQ and WRQ (RFC 1350, with RFC 2347 options), DATA,
 * ACK, ERROR and OACK. Decoding checks every length and terminator and throws TFTP_BAD_PACKET with the
 * offset of the problem; it never reads past the datagram.
 */
import { ByteReader, decodeLatin1 } from '@initkit/core';
import { TftpError } from './errors.js';

export const Opcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

export type TransferMode = 'octet' | 'netascii';

/** Option names (lower case) to their values as strings, in the order they were sent. */
export type OptionMap = Map<string, string>;

export interface RequestPacket {
  opcode: typeof Opcode.RRQ | typeof Opcode.WRQ;
  filename: string;
  /** The mode as sent, lower-cased ('octet', 'netascii', or something unsupported such as 'mail'). */
  mode: string;
  options: OptionMap;
}
export interface DataPacket {
  opcode: typeof Opcode.DATA;
  block: number;
  data: Uint8Array;
}
export interface AckPacket {
  opcode: typeof Opcode.ACK;
  block: number;
}
export interface ErrorPacket {
  opcode: typeof Opcode.ERROR;
  errorCode: number;
  message: string;
}
export interface OackPacket {
  opcode: typeof Opcode.OACK;
  options: OptionMap;
}
export type Packet = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

const encoder = new TextEncoder();

function bad(message: string, offset: number): TftpError {
  return new TftpError('TFTP_BAD_PACKET', message, { offset });
}

/** Reads a NUL-terminated string (TFTP strings are bytes; Latin-1 keeps every byte). */
function readString(reader: ByteReader, what: string): string {
  const start = reader.position;
  const end = reader.bytes.indexOf(0, start);
  if (end < 0) throw bad(`${what} has no terminating NUL`, reader.baseOffset + start);
  const text = decodeLatin1(reader.bytes.subarray(start, end));
  reader.position = end + 1;
  return text;
}

function readOptions(reader: ByteReader): OptionMap {
  const options: OptionMap = new Map();
  while (reader.remaining > 0) {
    const at = reader.offset;
    const name = readString(reader, 'option name').toLowerCase();
    if (reader.remaining === 0) throw bad(`option ${JSON.stringify(name)} has no value`, reader.offset);
    const value = readString(reader, `value of option ${JSON.stringify(name)}`);
    if (name.length === 0) throw bad('empty option name', at);
    if (!options.has(name)) options.set(name, value);
  }
  return options;
}

/** Decodes one datagram. Throws TFTP_BAD_PACKET for anything malformed. */
export function decodePacket(bytes: Uint8Array): Packet {
  const reader = new ByteReader(bytes, { truncatedCode: 'TFTP_BAD_PACKET', what: 'TFTP packet' });
  const opcode = reader.u16be('opcode');
  switch (opcode) {
    case Opcode.RRQ:
    case Opcode.WRQ: {
      const filename = readString(reader, 'file name');
      const mode = readString(reader, 'transfer mode').toLowerCase();
      return { opcode, filename, mode, options: readOptions(reader) };
    }
    case Opcode.DATA: {
      const block = reader.u16be('block number');
      return { opcode, block, data: reader.bytesView(reader.remaining) };
    }
    case Opcode.ACK: {
      const block = reader.u16be('block number');
      if (reader.remaining !== 0) throw bad(`ACK is ${bytes.length} bytes, expected 4`, 4);
      return { opcode, block };
    }
    case Opcode.ERROR: {
      const errorCode = reader.u16be('error code');
      // Some servers omit the NUL after the message; accept the rest of the datagram then.
      const rest = reader.bytes.subarray(reader.position);
      const end = rest.indexOf(0);
      const message = decodeLatin1(end < 0 ? rest : rest.subarray(0, end));
      return { opcode, errorCode, message };
    }
    case Opcode.OACK:
      return { opcode, options: readOptions(reader) };
    default:
      throw bad(`unknown opcode ${opcode}, expected 1 to 6`, 0);
  }
}

function stringBytes(text: string): Uint8Array {
  // TFTP names and options are 8-bit strings; characters above 0xff are sent as UTF-8.
  if (text.includes('\0')) throw new TftpError('TFTP_BAD_NAME', `${JSON.stringify(text)} contains a NUL byte`);
  return /^[\u0000-\u00ff]*$/.test(text) ? Uint8Array.from(text, (c) => c.charCodeAt(0)) : encoder.encode(text);
}

function assemble(opcode: number, parts: Uint8Array[], nulTerminated: boolean): Uint8Array {
  let length = 2;
  for (const part of parts) length += part.length + (nulTerminated ? 1 : 0);
  const packet = new Uint8Array(length);
  packet[1] = opcode;
  let at = 2;
  for (const part of parts) {
    packet.set(part, at);
    at += part.length + (nulTerminated ? 1 : 0);
  }
  return packet;
}

function optionParts(options: Iterable<[string, string]>): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (const [name, value] of options) parts.push(stringBytes(name), stringBytes(value));
  return parts;
}

export function encodeRequest(
  opcode: typeof Opcode.RRQ | typeof Opcode.WRQ,
  filename: string,
  mode: string,
  options: Iterable<[string, string]> = [],
): Uint8Array {
  return assemble(opcode, [stringBytes(filename), stringBytes(mode), ...optionParts(options)], true);
}

export function encodeOack(options: Iterable<[string, string]>): Uint8Array {
  return assemble(Opcode.OACK, optionParts(options), true);
}

export function encodeAck(block: number): Uint8Array {
  return Uint8Array.of(0, Opcode.ACK, (block >>> 8) & 0xff, block & 0xff);
}

/** A DATA packet: the 4-byte header followed by `data`. */
export function encodeData(block: number, data: Uint8Array): Uint8Array {
  const packet = new Uint8Array(4 + data.length);
  writeDataHeader(packet, block);
  packet.set(data, 4);
  return packet;
}

/** Writes a DATA header into the first 4 bytes of `packet` (used to build packets in place). */
export function writeDataHeader(packet: Uint8Array, block: number): void {
  packet[0] = 0;
  packet[1] = Opcode.DATA;
  packet[2] = (block >>> 8) & 0xff;
  packet[3] = block & 0xff;
}

export function encodeError(errorCode: number, message: string): Uint8Array {
  const text = stringBytes(message);
  const packet = new Uint8Array(4 + text.length + 1);
  packet[1] = Opcode.ERROR;
  packet[2] = (errorCode >>> 8) & 0xff;
  packet[3] = errorCode & 0xff;
  packet.set(text, 4);
  return packet;
}
