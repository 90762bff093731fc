/**
 * The 64-byte legacy uImage header: decode with every field checked, and encode with both CRCs.
 * All multi-byte fields are big-endian; the header CRC covers the 64 bytes with bytes 4..7 zeroed.
 */
import { ByteReader, ByteWriter, crc32, decodeUtf8, hex32 } from '@initkit/core';
import { uimageError } from './errors.js';

export const UIMAGE_MAGIC = 0x27051956;
export const UIMAGE_HEADER_SIZE = 64;
const MAGIC_BYTES = [0x27, 0x05, 0x19, 0x56];
export const UIMAGE_NAME_SIZE = 32;

export interface UImageHeader {
  magic: number;
  headerCrc: number;
  /** Creation time, unix seconds. */
  time: number;
  /** Payload length in bytes. */
  size: number;
  load: number;
  entry: number;
  dataCrc: number;
  os: number;
  arch: number;
  type: number;
  compression: number;
  /** The name decoded as UTF-8, up to the first NUL (at most 32 bytes). */
  name: string;
  /** The name's raw bytes, up to the first NUL: what mkimage -l prints. */
  nameBytes: Uint8Array;
}

/** True when `bytes` is long enough for a header and starts with the uImage magic. */
export function isUImage(bytes: Uint8Array): boolean {
  return (
    bytes.length >= UIMAGE_HEADER_SIZE &&
    bytes[0] === 0x27 &&
    bytes[1] === 0x05 &&
    bytes[2] === 0x19 &&
    bytes[3] === 0x56
  );
}

/** CRC of a header as stored in its hcrc field: the 64 bytes with the hcrc field taken as zero. */
export function computeHeaderCrc(header: Uint8Array): number {
  let crc = crc32(header.subarray(0, 4));
  crc = crc32(new Uint8Array(4), crc);
  return crc32(header.subarray(8, UIMAGE_HEADER_SIZE), crc);
}

/**
 * Decodes and validates the header at the start of `bytes`: length, magic and header CRC. The data
 * CRC and size are checked by parseUImage, which sees the payload.
 */
export function parseHeader(bytes: Uint8Array): UImageHeader {
  // Bytes that cannot begin the magic are not a uImage, however few (the 2-byte "XY" is a bad magic in
  // every initkit reader); only a cut-short magic or header is a truncation.
  const differs = MAGIC_BYTES.findIndex((byte, index) => index < bytes.length && bytes[index] !== byte);
  if (differs >= 0) {
    throw uimageError(
      'UIMAGE_BAD_MAGIC',
      `not a uImage: magic is 0x${[...bytes.subarray(0, 4)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}, expected ${hex32(UIMAGE_MAGIC)}`,
      {
        offset: 0,
      },
    );
  }
  if (bytes.length < UIMAGE_HEADER_SIZE) {
    throw uimageError(
      'UIMAGE_TRUNCATED',
      `uImage header: expected ${UIMAGE_HEADER_SIZE} bytes, found only ${bytes.length}`,
      { offset: 0 },
    );
  }
  const reader = new ByteReader(bytes.subarray(0, UIMAGE_HEADER_SIZE), {
    truncatedCode: 'UIMAGE_TRUNCATED',
    what: 'uImage header',
  });
  const magic = reader.u32be();
  const headerCrc = reader.u32be();
  const computed = computeHeaderCrc(bytes);
  if (computed !== headerCrc) {
    throw uimageError(
      'UIMAGE_BAD_HCRC',
      `uImage header CRC mismatch: header says ${hex32(headerCrc)}, computed ${hex32(computed)}`,
      { offset: 4 },
    );
  }
  const time = reader.u32be();
  const size = reader.u32be();
  const load = reader.u32be();
  const entry = reader.u32be();
  const dataCrc = reader.u32be();
  const os = reader.u8();
  const arch = reader.u8();
  const type = reader.u8();
  const compression = reader.u8();
  const rawName = reader.bytesView(UIMAGE_NAME_SIZE);
  const end = rawName.indexOf(0);
  const nameBytes = end === -1 ? rawName : rawName.subarray(0, end);
  return {
    magic,
    headerCrc,
    time,
    size,
    load,
    entry,
    dataCrc,
    os,
    arch,
    type,
    compression,
    name: decodeUtf8(nameBytes),
    nameBytes,
  };
}

/** What encodeHeader needs: every field but the magic and header CRC it fills in. The name bytes are
 * cut at 32 and NUL-padded, as mkimage's strncpy does. */
export type HeaderFields = Omit<UImageHeader, 'magic' | 'headerCrc' | 'name'>;

/** Encodes a header and fills in its header CRC. */
export function encodeHeader(fields: HeaderFields): Uint8Array {
  const writer = new ByteWriter(UIMAGE_HEADER_SIZE);
  writer
    .u32be(UIMAGE_MAGIC)
    .u32be(0)
    .u32be(fields.time)
    .u32be(fields.size)
    .u32be(fields.load)
    .u32be(fields.entry)
    .u32be(fields.dataCrc)
    .u8(fields.os)
    .u8(fields.arch)
    .u8(fields.type)
    .u8(fields.compression);
  const name = fields.nameBytes.subarray(0, UIMAGE_NAME_SIZE);
  writer.bytes(name).zeros(UIMAGE_NAME_SIZE - name.length);
  const header = writer.finish();
  writer.patchU32be(4, computeHeaderCrc(header));
  return header;
}
