/**
 * parseFdt: a .dtb (versions 16 and 17) to an Fdt. The header is checked by libfdt's fdt_check_header
 * rules, then the reservation map and the structure block are walked with every read bounds-checked;
 * property values are views into the input, names are read once per strings-block offset.
 */
import { ByteReader, hex32 } from '@initkit/core';
import { fdtError } from './errors.js';
import { align4, FDT_HEADER_SIZE, FDT_MAGIC, FDT_RESERVATION_SIZE, FDT_V16_HEADER_SIZE, Token } from './format.js';
import { DEFAULT_FDT_LIMITS, type FdtLimits } from './limits.js';
import type { Fdt, FdtNode, FdtProperty, FdtReservation } from './model.js';

/** The header fields as stored, for tools that show them (formatDts does not need them). */
export interface FdtHeader {
  magic: number;
  totalSize: number;
  structOffset: number;
  stringsOffset: number;
  reservationsOffset: number;
  version: number;
  lastCompatibleVersion: number;
  bootCpuidPhys: number;
  stringsSize: number;
  /** size_dt_struct; for a version 16 blob, the size found by walking the tokens. */
  structSize: number;
}

/** The first four bytes (or fewer) as hex, for a bad-magic message. */
function foundMagic(bytes: Uint8Array): string {
  return `0x${[...bytes.subarray(0, 4)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** Reads and checks the header (fdt_check_header's rules, restricted to versions 16 and 17). */
export function parseFdtHeader(bytes: Uint8Array, limits: Partial<FdtLimits> = {}): FdtHeader {
  const maxTotalBytes = limits.maxTotalBytes ?? DEFAULT_FDT_LIMITS.maxTotalBytes;
  // Bytes that cannot begin the magic are not a device tree, however few (the 2-byte "XY" is a bad
  // magic in every initkit reader); only a cut-short magic or header is a truncation.
  const magicBytes = [0xd0, 0x0d, 0xfe, 0xed];
  const differs = magicBytes.findIndex((byte, index) => index < bytes.length && bytes[index] !== byte);
  if (differs >= 0) {
    throw fdtError('FDT_BAD_MAGIC', `bad magic: expected ${hex32(FDT_MAGIC)}, found ${foundMagic(bytes)}`, {
      offset: 0,
    });
  }
  if (bytes.length < 8) {
    throw fdtError('FDT_TRUNCATED', `device tree header: needed at least 8 bytes, found ${bytes.length}`, {
      offset: 0,
    });
  }
  // The header and the reservation map are read once per blob through core's checked reader; the
  // structure walk below keeps its own DataView (see StructWalker).
  const reader = new ByteReader(bytes, { truncatedCode: 'FDT_TRUNCATED', what: 'device tree header' });
  const magic = reader.u32be('magic');
  const totalSize = reader.u32be('totalsize');
  if (totalSize > maxTotalBytes) {
    throw fdtError('FDT_TOO_LARGE', `totalsize (${totalSize}) is over the limit of ${maxTotalBytes} bytes`, {
      offset: 4,
    });
  }
  if (bytes.length < FDT_V16_HEADER_SIZE) {
    throw fdtError('FDT_TRUNCATED', `device tree header: needed ${FDT_V16_HEADER_SIZE} bytes, found ${bytes.length}`, {
      offset: 0,
    });
  }
  const structOffset = reader.u32be('off_dt_struct');
  const stringsOffset = reader.u32be('off_dt_strings');
  const reservationsOffset = reader.u32be('off_mem_rsvmap');
  const version = reader.u32be('version');
  const lastCompatibleVersion = reader.u32be('last_comp_version');
  const bootCpuidPhys = reader.u32be('boot_cpuid_phys');
  const stringsSize = reader.u32be('size_dt_strings');
  if (version !== 16 && version !== 17) {
    throw fdtError('FDT_UNSUPPORTED', `version: expected 16 or 17, found ${version}`, { offset: 20 });
  }
  if (lastCompatibleVersion > 17 || lastCompatibleVersion > version) {
    throw fdtError(
      'FDT_UNSUPPORTED',
      `last_comp_version: expected at most ${Math.min(version, 17)} (version ${version}), found ${lastCompatibleVersion}`,
      { offset: 24 },
    );
  }
  const headerSize = version >= 17 ? FDT_HEADER_SIZE : FDT_V16_HEADER_SIZE;
  if (totalSize < headerSize) {
    throw fdtError('FDT_TRUNCATED', `totalsize: expected at least the ${headerSize}-byte header, found ${totalSize}`, {
      offset: 4,
    });
  }
  if (bytes.length < totalSize) {
    throw fdtError('FDT_TRUNCATED', `the blob: totalsize is ${totalSize} bytes but only ${bytes.length} are present`, {
      offset: bytes.length,
    });
  }
  const header: FdtHeader = {
    magic,
    totalSize,
    structOffset,
    stringsOffset,
    reservationsOffset,
    version,
    lastCompatibleVersion,
    bootCpuidPhys,
    stringsSize,
    structSize: version >= 17 ? reader.u32be('size_dt_struct') : -1,
  };
  checkBlock('off_mem_rsvmap', 16, header.reservationsOffset, 0, headerSize, totalSize);
  checkBlock('off_dt_struct', 8, header.structOffset, version >= 17 ? header.structSize : 0, headerSize, totalSize);
  checkBlock('off_dt_strings', 12, header.stringsOffset, header.stringsSize, headerSize, totalSize);
  return header;
}

/** fdt_check_header's check_block_: the block lies after the header and ends inside totalsize. */
function checkBlock(field: string, at: number, offset: number, size: number, headerSize: number, total: number): void {
  if (offset < headerSize || offset + size > total) {
    const what = size === 0 ? `${field} (${offset})` : `${field} (${offset}) + size (${size})`;
    throw fdtError(
      'FDT_TRUNCATED',
      `${what}: expected a block between the ${headerSize}-byte header and totalsize ${total}`,
      { offset: at },
    );
  }
}

/** Parses a .dtb; throws InitkitError with an FDT_ code for anything dtc or libfdt would refuse. */
export function parseFdt(bytes: Uint8Array, limits: Partial<FdtLimits> = {}): Fdt {
  const resolved: FdtLimits = { ...DEFAULT_FDT_LIMITS, ...limits };
  const header = parseFdtHeader(bytes, resolved);
  const reservations = readReservations(bytes, header);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings = bytes.subarray(header.stringsOffset, header.stringsOffset + header.stringsSize);
  const walker = new StructWalker(bytes, view, header, strings, resolved);
  const root = walker.walk();
  return {
    version: header.version,
    lastCompatibleVersion: header.lastCompatibleVersion,
    bootCpuidPhys: header.bootCpuidPhys,
    reservations,
    root,
    strings,
  };
}

/** Entries up to the first one of size 0 (libfdt's fdt_num_mem_rsv rule), all inside totalsize. */
function readReservations(bytes: Uint8Array, header: FdtHeader): FdtReservation[] {
  const reservations: FdtReservation[] = [];
  const reader = new ByteReader(bytes.subarray(0, header.totalSize), { truncatedCode: 'FDT_TRUNCATED' });
  reader.seek(header.reservationsOffset);
  for (;;) {
    if (reader.remaining < FDT_RESERVATION_SIZE) {
      throw fdtError('FDT_TRUNCATED', 'memory reservation map: no terminating entry before totalsize', {
        offset: reader.offset,
      });
    }
    const address = reader.u64be('reservation address');
    const size = reader.u64be('reservation size');
    if (size === 0n) return reservations;
    reservations.push({ address, size });
  }
}

/**
 * Walks the structure block token by token; one instance per parse. It stays on a DataView with its own
 * bounds checks rather than core's ByteReader: it is the loop bench/fdt times (one token and two
 * property words per read, 898 blobs), and the reader's per-read check and label argument cost there.
 */
class StructWalker {
  private position: number;
  private readonly end: number;
  /** Property names by strings-block offset: each name is decoded once per blob. */
  private readonly names = new Map<number, string>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    header: FdtHeader,
    private readonly strings: Uint8Array,
    private readonly limits: FdtLimits,
  ) {
    this.position = header.structOffset;
    this.end = header.structSize >= 0 ? header.structOffset + header.structSize : header.totalSize;
  }

  walk(): FdtNode {
    let token = this.token();
    while (token === Token.Nop) token = this.token();
    if (token !== Token.BeginNode) {
      throw this.structureError(`expected BEGIN_NODE (1) for the root node, found token ${token}`, this.position - 4);
    }
    const root = this.node(1);
    token = this.token();
    while (token === Token.Nop) token = this.token();
    if (token !== Token.End) {
      throw this.structureError(`expected END (9) after the root node, found token ${token}`, this.position - 4);
    }
    return root;
  }

  /** Reads a node whose BEGIN_NODE token was just consumed, up to and including its END_NODE. */
  private node(depth: number): FdtNode {
    if (depth > this.limits.maxDepth) {
      throw fdtError('FDT_TOO_LARGE', `node nesting (${depth}) is over the limit of ${this.limits.maxDepth}`, {
        offset: this.position - 4,
      });
    }
    const name = this.nodeName();
    const properties: FdtProperty[] = [];
    const children: FdtNode[] = [];
    for (;;) {
      const at = this.position;
      const token = this.token();
      if (token === Token.Prop) {
        if (children.length > 0) throw this.structureError(`property after a subnode in node "${name}"`, at);
        properties.push(this.property());
      } else if (token === Token.BeginNode) {
        children.push(this.node(depth + 1));
      } else if (token === Token.EndNode) {
        return { name, properties, children };
      } else if (token !== Token.Nop) {
        throw this.structureError(`unexpected token ${token} inside node "${name}"`, at);
      }
    }
  }

  private token(): number {
    if (this.position + 4 > this.end) {
      throw fdtError('FDT_TRUNCATED', 'structure block: ends before its END token', { offset: this.position });
    }
    const token = this.view.getUint32(this.position);
    this.position += 4;
    return token;
  }

  private nodeName(): string {
    const start = this.position;
    const bytes = this.bytes;
    let at = start;
    while (at < this.end && bytes[at] !== 0) at++;
    if (at >= this.end) throw this.structureError('node name: no NUL before the end of the structure block', start);
    this.position = align4(at + 1);
    return latin1(bytes, start, at);
  }

  private property(): FdtProperty {
    const at = this.position;
    if (at + 8 > this.end) {
      throw fdtError('FDT_TRUNCATED', 'property header: ends past the structure block', { offset: at });
    }
    const length = this.view.getUint32(at);
    const nameOffset = this.view.getUint32(at + 4);
    if (length > this.limits.maxPropertyBytes) {
      throw fdtError(
        'FDT_TOO_LARGE',
        `property length (${length}) is over the limit of ${this.limits.maxPropertyBytes}`,
        { offset: at },
      );
    }
    const valueStart = at + 8;
    if (valueStart + length > this.end) {
      throw fdtError(
        'FDT_TRUNCATED',
        `property value: ${length} bytes needed, ${this.end - valueStart} left in the structure block`,
        { offset: valueStart },
      );
    }
    const valueEnd = valueStart + length;
    this.position = align4(valueEnd);
    if (this.position > this.end) {
      throw fdtError('FDT_TRUNCATED', 'property value padding: ends past the structure block', { offset: valueEnd });
    }
    const property: FdtProperty = {
      name: this.propertyName(nameOffset, at + 4),
      value: this.bytes.subarray(valueStart, valueEnd),
    };
    for (let index = valueEnd; index < this.position; index++) {
      if (this.bytes[index] !== 0) {
        property.padding = this.bytes.subarray(valueEnd, this.position);
        break;
      }
    }
    return property;
  }

  private propertyName(nameOffset: number, where: number): string {
    const known = this.names.get(nameOffset);
    if (known !== undefined) return known;
    const strings = this.strings;
    let at = nameOffset;
    while (at < strings.length && strings[at] !== 0) at++;
    if (at >= strings.length) {
      throw this.structureError(
        `property name offset ${nameOffset}: expected a NUL-terminated name inside the ${strings.length}-byte strings block`,
        where,
      );
    }
    const name = latin1(strings, nameOffset, at);
    this.names.set(nameOffset, name);
    return name;
  }

  private structureError(message: string, offset: number) {
    return fdtError('FDT_CORRUPT', message, { offset });
  }
}

/** One character per byte: names round-trip exactly whatever bytes they hold. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let at = start; at < end; at++) text += String.fromCharCode(bytes[at]!);
  return text;
}
