/**
 * Read-write access to a flattened blob in place, as libfdt's fdt_rw.c edits one: no tree is built,
 * a changed property is spliced into the structure block (everything after it moved, the strings block
 * with it), a new name appended to the strings block unless it is already there. For a handful of edits
 * to a large tree (kexec setting /chosen) this costs one checked token walk instead of parseFdt plus
 * serializeFdt. The result is the bytes libfdt's fdt_setprop and fdt_add_subnode give (fdtput is the
 * oracle in the tests), with two differences that make it equal serializeFdt's output for blobs dtc or
 * libfdt laid out: padding after a written value is zeroed (libfdt leaves stale bytes there) and so is
 * the free space a shrinking edit leaves behind.
 *
 *   const blob = FdtBlob.open(bytes, { capacity: bytes.length + 256 });
 *   const chosen = blob.subnode(blob.root, 'chosen') ?? blob.addSubnode(blob.root, 'chosen');
 *   blob.setProperty(chosen, 'bootargs', encodeString('console=ttyS0'));
 *   blob.bytes; // totalsize = capacity
 */

import { checkNodeName } from './edit.js';
import { fdtError } from './errors.js';
import { align4, FDT_HEADER_SIZE, FDT_RESERVATION_SIZE, Token } from './format.js';
import { DEFAULT_FDT_LIMITS, type FdtLimits } from './limits.js';
import { parseFdtHeader } from './parse.js';
import { checkName } from './serialize.js';

export interface FdtBlobOptions {
  /**
   * The buffer size and totalsize of the edited blob (fdt_open_into's bufsize). Default: the used bytes
   * only (as after fdt_pack); `resize` grows it later.
   */
  capacity?: number;
  limits?: Partial<FdtLimits>;
}

/** A property found in the blob: the offset of its PROP token (from the blob's start) and its value's length. */
export interface FdtBlobProperty {
  offset: number;
  length: number;
}

/**
 * One blob opened for editing. Node offsets are byte offsets of BEGIN_NODE tokens from the start of the
 * blob; like libfdt's, they are valid until the next edit that moves bytes before them.
 */
export class FdtBlob {
  /** The blob being edited: `capacity` bytes, the used part first, zeros after it. */
  readonly bytes: Uint8Array;
  /** The root node's offset. */
  readonly root: number;
  private readonly view: DataView;

  private constructor(bytes: Uint8Array, root: number) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.root = root;
  }

  /**
   * Copies the used part of `blob` into a new buffer of `capacity` bytes after checking the header
   * (fdt_check_header), the block order libfdt's read-write functions need (version 17; reservations,
   * structure and strings in that order, as dtc and libfdt write them: FDT_UNSUPPORTED otherwise,
   * where fdt_rw says BADLAYOUT) and every token of the structure block.
   */
  static open(blob: Uint8Array, options: FdtBlobOptions = {}): FdtBlob {
    const limits: FdtLimits = { ...DEFAULT_FDT_LIMITS, ...options.limits };
    const header = parseFdtHeader(blob, limits);
    if (header.version !== 17) {
      throw fdtError('FDT_UNSUPPORTED', `editing in place needs a version 17 header, found ${header.version}`, {
        offset: 20,
      });
    }
    const reservationsEnd = reservationMapEnd(blob, header.reservationsOffset, header.totalSize);
    const structEnd = header.structOffset + header.structSize;
    const dataEnd = header.stringsOffset + header.stringsSize;
    if (
      header.reservationsOffset < FDT_HEADER_SIZE ||
      header.structOffset < reservationsEnd ||
      header.stringsOffset < structEnd
    ) {
      throw fdtError(
        'FDT_UNSUPPORTED',
        'editing in place needs the reservation map, structure and strings blocks in that order (libfdt BADLAYOUT)',
        { offset: 8 },
      );
    }
    const root = checkStructure(blob, header.structOffset, structEnd, header.stringsOffset, header.stringsSize, limits);
    return new FdtBlob(blob.subarray(0, dataEnd), root).resize(options.capacity ?? dataEnd, limits.maxTotalBytes);
  }

  /**
   * fdt_open_into on an opened blob: the same blob in a new buffer of `capacity` bytes (its totalsize),
   * the used part copied, zeros after it.
   */
  resize(capacity: number, maxTotalBytes = DEFAULT_FDT_LIMITS.maxTotalBytes): FdtBlob {
    const dataEnd = this.dataSize;
    if (!Number.isSafeInteger(capacity) || capacity < dataEnd || capacity > maxTotalBytes) {
      throw fdtError(
        'FDT_BAD_OPTION',
        `capacity: expected ${dataEnd} (the blob's used bytes) to ${maxTotalBytes}, found ${capacity}`,
      );
    }
    const bytes = new Uint8Array(capacity);
    bytes.set(this.bytes.subarray(0, dataEnd));
    const resized = new FdtBlob(bytes, this.root);
    resized.view.setUint32(4, capacity);
    return resized;
  }

  /** off_dt_strings + size_dt_strings: where the used bytes end. */
  get dataSize(): number {
    return this.header(12) + this.header(32);
  }

  /**
   * fdt_subnode_offset: the first child of `parent` named `name`, or "name@unit" when `name` has no
   * unit address; undefined when there is none.
   */
  subnode(parent: number, name: string): number | undefined {
    let at = this.bodyStart(parent);
    for (;;) {
      const token = this.view.getUint32(at);
      if (token === Token.Prop) at = this.afterProperty(at);
      else if (token === Token.Nop) at += 4;
      else if (token === Token.BeginNode) {
        if (nameMatches(this.bytes, at + 4, name)) return at;
        at = this.afterNode(at);
      } else return undefined; // END_NODE of the parent
    }
  }

  /** fdt_get_property: the first property of `node` named `name`. */
  property(node: number, name: string): FdtBlobProperty | undefined {
    const stringsOffset = this.header(12);
    let at = this.bodyStart(node);
    for (;;) {
      const token = this.view.getUint32(at);
      if (token === Token.Nop) at += 4;
      else if (token !== Token.Prop) return undefined;
      else {
        if (stringEquals(this.bytes, stringsOffset + this.view.getUint32(at + 8), name)) {
          return { offset: at, length: this.view.getUint32(at + 4) };
        }
        at = this.afterProperty(at);
      }
    }
  }

  /**
   * fdt_setprop: an existing property's value replaced where it is (resized by splicing), else a new
   * property inserted as the node's first. Padding after the value is zero.
   */
  setProperty(node: number, name: string, value: Uint8Array): void {
    checkName(name, 'property name');
    const existing = this.property(node, name);
    let at: number;
    if (existing !== undefined) {
      at = existing.offset;
      this.spliceStruct(at + 12, align4(existing.length), align4(value.length));
    } else {
      const nameOffset = this.findOrAddString(name);
      at = this.bodyStart(node);
      this.spliceStruct(at, 0, 12 + align4(value.length));
      this.view.setUint32(at, Token.Prop);
      this.view.setUint32(at + 8, nameOffset);
    }
    this.view.setUint32(at + 4, value.length);
    this.bytes.set(value, at + 12);
    this.bytes.fill(0, at + 12 + value.length, at + 12 + align4(value.length));
  }

  /**
   * fdt_add_subnode: a new empty node after the parent's properties (and the NOPs among them), so first
   * among its children. FDT_EXISTS when fdt_subnode_offset already finds that name.
   */
  addSubnode(parent: number, name: string): number {
    checkNodeName(name);
    checkName(name, 'node name');
    if (this.subnode(parent, name) !== undefined) {
      throw fdtError('FDT_EXISTS', `the node at ${parent} already has a child "${name}"`);
    }
    let at = this.bodyStart(parent);
    for (let token = this.view.getUint32(at); token === Token.Prop || token === Token.Nop; ) {
      at = token === Token.Prop ? this.afterProperty(at) : at + 4;
      token = this.view.getUint32(at);
    }
    const nameBytes = align4(name.length + 1);
    this.spliceStruct(at, 0, 8 + nameBytes);
    this.view.setUint32(at, Token.BeginNode);
    this.bytes.fill(0, at + 4, at + 4 + nameBytes);
    for (let index = 0; index < name.length; index++) this.bytes[at + 4 + index] = name.charCodeAt(index);
    this.view.setUint32(at + 4 + nameBytes, Token.EndNode);
    return at;
  }

  private header(offset: number): number {
    return this.view.getUint32(offset);
  }

  /** The offset just after a node's BEGIN_NODE token and name. */
  private bodyStart(node: number): number {
    let at = node + 4;
    while (this.bytes[at] !== 0) at++;
    return align4(at + 1);
  }

  private afterProperty(at: number): number {
    return at + 12 + align4(this.view.getUint32(at + 4));
  }

  /** The offset after the END_NODE that closes the node at `node` (the structure was checked at open). */
  private afterNode(node: number): number {
    let depth = 0;
    let at = node;
    for (;;) {
      const token = this.view.getUint32(at);
      if (token === Token.BeginNode) {
        depth++;
        at = this.bodyStart(at);
      } else if (token === Token.EndNode) {
        at += 4;
        if (--depth === 0) return at;
      } else if (token === Token.Prop) at = this.afterProperty(at);
      else at += 4;
    }
  }

  /** fdt_find_add_string_: the first place the name ends at a NUL in the strings block, else appended. */
  private findOrAddString(name: string): number {
    const start = this.header(12);
    const size = this.header(32);
    const { bytes } = this;
    for (let offset = 0; offset + name.length < size; offset++) {
      if (bytes[start + offset + name.length] !== 0) continue;
      let index = 0;
      while (index < name.length && bytes[start + offset + index] === name.charCodeAt(index)) index++;
      if (index === name.length) return offset;
    }
    this.splice(start + size, 0, name.length + 1);
    for (let index = 0; index < name.length; index++) bytes[start + size + index] = name.charCodeAt(index);
    bytes[start + size + name.length] = 0;
    this.view.setUint32(32, size + name.length + 1);
    return size;
  }

  /** fdt_splice_struct_: splice, then the structure block's size and the strings block's offset follow. */
  private spliceStruct(at: number, oldLength: number, newLength: number): void {
    this.splice(at, oldLength, newLength);
    const delta = newLength - oldLength;
    this.view.setUint32(36, this.header(36) + delta);
    this.view.setUint32(12, this.header(12) + delta);
  }

  /** fdt_splice_: moves the used bytes after `at + oldLength` to `at + newLength`; zeroes what a shrink frees. */
  private splice(at: number, oldLength: number, newLength: number): void {
    const dataEnd = this.dataSize;
    const newEnd = dataEnd - oldLength + newLength;
    if (newEnd > this.bytes.length) {
      throw fdtError(
        'FDT_BAD_OPTION',
        `no room: the edit needs ${newEnd} bytes, the blob's capacity is ${this.bytes.length} (libfdt NOSPACE)`,
      );
    }
    this.bytes.copyWithin(at + newLength, at + oldLength, dataEnd);
    if (newEnd < dataEnd) this.bytes.fill(0, newEnd, dataEnd);
  }
}

/** The offset after the reservation map's terminating entry (size 0), which must lie inside totalsize. */
function reservationMapEnd(blob: Uint8Array, offset: number, totalSize: number): number {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let at = offset; at + FDT_RESERVATION_SIZE <= totalSize; at += FDT_RESERVATION_SIZE) {
    if (view.getUint32(at + 8) === 0 && view.getUint32(at + 12) === 0) return at + FDT_RESERVATION_SIZE;
  }
  throw fdtError('FDT_TRUNCATED', 'memory reservation map: no terminating entry before totalsize', { offset });
}

/**
 * Walks every token of the structure block with parseFdt's rules (one root node, balanced nodes, names
 * NUL-terminated, values and name offsets inside their blocks, the limits) without building a tree.
 * Returns the root node's offset.
 */
function checkStructure(
  blob: Uint8Array,
  start: number,
  end: number,
  stringsStart: number,
  stringsSize: number,
  limits: FdtLimits,
): number {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const corrupt = (message: string, offset: number) => fdtError('FDT_CORRUPT', message, { offset });
  let at = start;
  let depth = 0;
  let root = -1;
  for (;;) {
    if (at + 4 > end) throw fdtError('FDT_TRUNCATED', 'structure block: ends before its END token', { offset: at });
    const token = view.getUint32(at);
    if (token === Token.Nop) {
      at += 4;
    } else if (token === Token.BeginNode) {
      if (depth === 0 && root >= 0) throw corrupt('a second root node', at);
      if (++depth > limits.maxDepth) {
        throw fdtError('FDT_TOO_LARGE', `node nesting (${depth}) is over the limit of ${limits.maxDepth}`, {
          offset: at,
        });
      }
      if (root < 0) root = at;
      let nul = at + 4;
      while (nul < end && blob[nul] !== 0) nul++;
      if (nul >= end) throw corrupt('node name: no NUL before the end of the structure block', at + 4);
      at = align4(nul + 1);
    } else if (token === Token.Prop) {
      if (depth === 0) throw corrupt('a property outside any node', at);
      if (at + 12 > end)
        throw fdtError('FDT_TRUNCATED', 'property header: ends past the structure block', { offset: at });
      const length = view.getUint32(at + 4);
      if (length > limits.maxPropertyBytes) {
        throw fdtError('FDT_TOO_LARGE', `property length (${length}) is over the limit of ${limits.maxPropertyBytes}`, {
          offset: at,
        });
      }
      const nameOffset = view.getUint32(at + 8);
      if (!terminated(blob, stringsStart + nameOffset, stringsStart + stringsSize)) {
        throw corrupt(
          `property name offset ${nameOffset}: expected a NUL-terminated name inside the ${stringsSize}-byte strings block`,
          at,
        );
      }
      at += 12 + align4(length);
      if (at > end) throw fdtError('FDT_TRUNCATED', 'property value: ends past the structure block', { offset: at });
    } else if (token === Token.EndNode) {
      if (--depth < 0) throw corrupt('END_NODE without a node to close', at);
      at += 4;
    } else if (token === Token.End && depth === 0 && root >= 0) {
      return root;
    } else {
      throw corrupt(`unexpected token ${token}`, at);
    }
  }
}

/** Whether a NUL lies at or after `at` and before `end` (a strings block that ends in NUL answers at once). */
function terminated(bytes: Uint8Array, at: number, end: number): boolean {
  if (at >= end) return false;
  if (bytes[end - 1] === 0) return true;
  while (at < end && bytes[at] !== 0) at++;
  return at < end;
}

/** Whether the NUL-terminated node name at `at` is `name`, or `name@...` when `name` has no "@". */
function nameMatches(bytes: Uint8Array, at: number, name: string): boolean {
  for (let index = 0; index < name.length; index++) if (bytes[at + index] !== name.charCodeAt(index)) return false;
  const next = bytes[at + name.length];
  return next === 0 || (next === 0x40 && !name.includes('@'));
}

/** Whether the NUL-terminated string at `at` is exactly `name`. */
function stringEquals(bytes: Uint8Array, at: number, name: string): boolean {
  for (let index = 0; index < name.length; index++) if (bytes[at + index] !== name.charCodeAt(index)) return false;
  return bytes[at + name.length] === 0;
}
