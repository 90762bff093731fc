/**
 * serializeFdt: an Fdt to .dtb bytes laid out as dtc 1.6 writes them (header v17, rsvmap at 40, struct,
 * strings, no padding unless asked) and as fdtput leaves them after fdt_pack. Names in the strings
 * block are shared the way dtc and libfdt share them: the first place the NUL-terminated name occurs,
 * even as the tail of a longer name, else appended. It writes into one buffer sized in advance through a
 * DataView rather than core's growable ByteWriter: bench/fdt times this loop (898 blobs), and the
 * total size is known before the first byte is written.
 */
import { fdtError } from './errors.js';
import { align4, FDT_HEADER_SIZE, FDT_MAGIC, FDT_RESERVATION_SIZE, Token } from './format.js';
import type { Fdt, FdtNode, FdtProperty } from './model.js';

export interface SerializeFdtOptions {
  /** dtc -p: add this many zero bytes after the strings block. */
  padBytes?: number;
  /** dtc -S: make the blob at least this many bytes (not with padBytes: dtc refuses -p with -S). */
  minSize?: number;
  /** dtc -a: round totalsize up to a multiple of this power of two (counting any padding asked for). */
  alignTo?: number;
  /**
   * 'keep' (default): start from the tree's `strings` block when it has one, as libfdt does after edits.
   * 'rebuild': build the table from the tree alone, as `dtc -I dtb -O dtb` does.
   */
  strings?: 'keep' | 'rebuild';
}

export function serializeFdt(tree: Fdt, options: SerializeFdtOptions = {}): Uint8Array {
  const table = new StringTable(options.strings === 'rebuild' ? undefined : tree.strings);
  const structSize = measureNode(tree.root, table) + 4; // + END
  const stringsBytes = table.finish();
  for (const { size } of tree.reservations) {
    if (size === 0n) throw fdtError('FDT_BAD_OPTION', 'memory reservation: a size of 0 would end the map early');
  }
  const reservationsOffset = FDT_HEADER_SIZE; // ALIGN(40, 8) = 40
  const structOffset = reservationsOffset + (tree.reservations.length + 1) * FDT_RESERVATION_SIZE;
  const stringsOffset = structOffset + structSize;
  const dataSize = stringsOffset + stringsBytes.length;
  const totalSize = dataSize + paddingLength(dataSize, options);
  if (totalSize > 0xffffffff)
    throw fdtError('FDT_TOO_LARGE', `the blob (${totalSize} bytes) does not fit a u32 totalsize`);

  const out = new Uint8Array(totalSize);
  const view = new DataView(out.buffer);
  view.setUint32(0, FDT_MAGIC);
  view.setUint32(4, totalSize);
  view.setUint32(8, structOffset);
  view.setUint32(12, stringsOffset);
  view.setUint32(16, reservationsOffset);
  view.setUint32(20, 17);
  view.setUint32(24, 16);
  view.setUint32(28, tree.bootCpuidPhys >>> 0);
  view.setUint32(32, stringsBytes.length);
  view.setUint32(36, structSize);
  let at = reservationsOffset;
  for (const { address, size } of tree.reservations) {
    view.setBigUint64(at, BigInt.asUintN(64, address));
    view.setBigUint64(at + 8, BigInt.asUintN(64, size));
    at += FDT_RESERVATION_SIZE;
  }
  const writer = new StructWriter(out, view, table);
  writer.position = structOffset;
  writer.node(tree.root);
  view.setUint32(writer.position, Token.End);
  out.set(stringsBytes, stringsOffset);
  return out;
}

/** dtc's padding rule: -p or -S (never both), then -a rounds the padded size up. */
function paddingLength(dataSize: number, { padBytes, minSize, alignTo }: SerializeFdtOptions): number {
  if (padBytes !== undefined && minSize !== undefined) {
    throw fdtError('FDT_BAD_OPTION', 'padBytes and minSize: give one or the other (dtc refuses -p with -S)');
  }
  let padding = 0;
  if (minSize !== undefined) {
    checkCount(minSize, 'minSize');
    padding = Math.max(0, minSize - dataSize);
  }
  if (padBytes !== undefined) {
    checkCount(padBytes, 'padBytes');
    padding = padBytes;
  }
  if (alignTo !== undefined) {
    checkCount(alignTo, 'alignTo');
    if (alignTo === 0 || (alignTo & (alignTo - 1)) !== 0) {
      throw fdtError('FDT_BAD_OPTION', `alignTo: expected a power of two, found ${alignTo}`);
    }
    padding = Math.ceil((dataSize + padding) / alignTo) * alignTo - dataSize;
  }
  return padding;
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) {
    throw fdtError('FDT_BAD_OPTION', `${what}: expected a byte count from 0 to 2^31-1, found ${value}`);
  }
}

/** Sizes the node's tokens and registers its property names in depth-first order (dtc's order). */
function measureNode(node: FdtNode, table: StringTable): number {
  checkName(node.name, 'node name');
  let size = 4 + align4(node.name.length + 1) + 4;
  const { properties, children } = node;
  for (let index = 0; index < properties.length; index++) {
    const property = properties[index]!;
    table.offsetOf(property.name);
    size += 12 + align4(property.value.length);
  }
  for (let index = 0; index < children.length; index++) size += measureNode(children[index]!, table);
  return size;
}

/** Names are stored one byte per character: NUL and characters above U+00FF cannot be. */
export function checkName(name: string, what: string): void {
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    if (code === 0 || code > 0xff) {
      throw fdtError('FDT_BAD_PATH', `${what} "${name}": NUL or a character above U+00FF cannot be stored`);
    }
  }
}

class StructWriter {
  position = 0;
  constructor(
    private readonly out: Uint8Array,
    private readonly view: DataView,
    private readonly table: StringTable,
  ) {}

  node(node: FdtNode): void {
    const { out, view } = this;
    view.setUint32(this.position, Token.BeginNode);
    this.position += 4;
    this.position = writeLatin1(out, this.position, node.name);
    const { properties, children } = node;
    for (let index = 0; index < properties.length; index++) {
      const { name, value, padding } = properties[index]!;
      const at = this.position;
      view.setUint32(at, Token.Prop);
      view.setUint32(at + 4, value.length);
      view.setUint32(at + 8, this.table.offsetOf(name));
      out.set(value, at + 12);
      this.position = at + 12 + align4(value.length);
      if (padding !== undefined && padding.length === this.position - (at + 12 + value.length)) {
        out.set(padding, at + 12 + value.length);
      }
    }
    for (let index = 0; index < children.length; index++) this.node(children[index]!);
    view.setUint32(this.position, Token.EndNode);
    this.position += 4;
  }
}

/** Writes name + NUL padded to 4 (the buffer is zero-filled) and returns the next position. */
function writeLatin1(out: Uint8Array, at: number, text: string): number {
  for (let index = 0; index < text.length; index++) out[at + index] = text.charCodeAt(index);
  return at + align4(text.length + 1);
}

/**
 * The strings block being built. `known` caches each name's offset; a name not cached is searched for
 * in the bytes (any position where it ends at a NUL), which is what dtc's stringtable_insert and
 * libfdt's fdt_find_string_ do.
 */
class StringTable {
  private bytes: Uint8Array;
  private length: number;
  private readonly known = new Map<string, number>();
  private indexed = 0;

  constructor(initial: Uint8Array | undefined) {
    this.bytes = new Uint8Array(Math.max(256, (initial?.length ?? 0) * 2));
    this.length = 0;
    if (initial !== undefined) {
      this.bytes.set(initial);
      this.length = initial.length;
    }
  }

  offsetOf(name: string): number {
    const cached = this.known.get(name);
    if (cached !== undefined) return cached;
    this.indexWholeStrings();
    const again = this.known.get(name);
    if (again !== undefined) return again;
    const found = this.search(name);
    const offset = found >= 0 ? found : this.append(name);
    this.known.set(name, offset);
    return offset;
  }

  /**
   * Caches every whole NUL-terminated string of the kept table (first occurrence). In a table dtc or
   * libfdt wrote no name also occurs earlier as a tail, so this equals their first-match search.
   */
  private indexWholeStrings(): void {
    const { bytes } = this;
    let start = this.indexed;
    for (let at = start; at < this.length; at++) {
      if (bytes[at] !== 0) continue;
      let text = '';
      for (let index = start; index < at; index++) text += String.fromCharCode(bytes[index]!);
      if (!this.known.has(text)) this.known.set(text, start);
      start = at + 1;
    }
    this.indexed = start;
  }

  private search(name: string): number {
    const { bytes, length } = this;
    const size = name.length;
    for (let start = 0; start + size < length; start++) {
      if (bytes[start + size] !== 0) continue;
      let index = 0;
      while (index < size && bytes[start + index] === name.charCodeAt(index)) index++;
      if (index === size) return start;
    }
    return -1;
  }

  private append(name: string): number {
    checkName(name, 'property name');
    const offset = this.length;
    const needed = offset + name.length + 1;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    for (let index = 0; index < name.length; index++) this.bytes[offset + index] = name.charCodeAt(index);
    this.bytes[offset + name.length] = 0;
    this.length = needed;
    this.indexed = needed;
    return offset;
  }

  finish(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** Where each node's body (just after its name) and each property's value lie in serializeFdt's output. */
export interface FdtLayout {
  nodeBodyOffsets: Map<FdtNode, number>;
  valueOffsets: Map<FdtProperty, number>;
}

/** The struct-block positions serializeFdt(tree) gives every node and value (padding options do not move them). */
export function fdtLayout(tree: Fdt): FdtLayout {
  const layout: FdtLayout = { nodeBodyOffsets: new Map(), valueOffsets: new Map() };
  const visit = (node: FdtNode, at: number): number => {
    let position = at + 4 + align4(node.name.length + 1);
    layout.nodeBodyOffsets.set(node, position);
    for (const property of node.properties) {
      layout.valueOffsets.set(property, position + 12);
      position += 12 + align4(property.value.length);
    }
    for (const child of node.children) position = visit(child, position);
    return position + 4;
  };
  visit(tree.root, FDT_HEADER_SIZE + (tree.reservations.length + 1) * FDT_RESERVATION_SIZE);
  return layout;
}
