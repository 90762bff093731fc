/**
 * kmod's binary index (modules.dep.bin, modules.alias.bin, modules.symbols.bin, modules.builtin.bin,
 * modules.builtin.alias.bin): a prefix-compressed trie of ASCII keys, each key holding values sorted
 * by priority. Big-endian header: magic 0xB007F457, version 0x00020001, root node offset. A node
 * offset's high nibble says which parts follow: prefix (NUL-terminated), child range first..last with
 * one u32 offset per character, and the values (count, then priority + NUL-terminated string each).
 * The writer lays nodes out children first, exactly as depmod does, so its output is byte-identical.
 */
import { ByteWriter, hex32, InitkitError } from '@initkit/core';

export const INDEX_MAGIC = 0xb007f457;
export const INDEX_VERSION = 0x00020001;
const NODE_PREFIX = 0x80000000;
const NODE_VALUES = 0x40000000;
const NODE_CHILDREN = 0x20000000;
const NODE_OFFSET_MASK = 0x0fffffff;
const CHILD_MAX = 128;

export interface IndexValue {
  priority: number;
  value: string;
}

const latin1 = new TextDecoder('latin1');

/** A read-only view of an index file; lookups walk the trie without decoding all of it. */
export class KmodIndex {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly root: number;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 12) {
      throw new InitkitError('KMOD_INDEX_TRUNCATED', `index header needs 12 bytes, found ${bytes.length}`, {
        offset: 0,
      });
    }
    const magic = this.view.getUint32(0);
    if (magic !== INDEX_MAGIC) {
      throw new InitkitError(
        'KMOD_INDEX_BAD_MAGIC',
        `expected index magic ${hex32(INDEX_MAGIC)}, found ${hex32(magic)}`,
        {
          offset: 0,
        },
      );
    }
    const version = this.view.getUint32(4);
    if (version >>> 16 !== INDEX_VERSION >>> 16) {
      throw new InitkitError(
        'KMOD_INDEX_BAD_VERSION',
        `expected index version 2.x (${hex32(INDEX_VERSION)}), found ${hex32(version)}`,
        { offset: 4 },
      );
    }
    this.root = this.view.getUint32(8);
  }

  /** The values stored under exactly `key` (empty when absent), lowest priority first. */
  lookup(key: string): IndexValue[] {
    let offset = this.root;
    let i = 0;
    // Each step consumes at least one key character, so the walk ends within key.length + 1 nodes.
    while ((offset & NODE_OFFSET_MASK) !== 0) {
      const node = this.readNode(offset);
      for (let j = 0; j < node.prefix.length; j++) if (node.prefix[j] !== key[i + j]) return [];
      i += node.prefix.length;
      if (i === key.length) return node.values;
      const ch = key.charCodeAt(i);
      if (ch < node.first || ch > node.last) return [];
      offset = node.children[ch - node.first]!;
      i++;
    }
    return [];
  }

  /** Every key and its values, keys in byte order (what `kmod`'s index dump prints). */
  entries(): Map<string, IndexValue[]> {
    const result = new Map<string, IndexValue[]>();
    const visited = new Set<number>();
    const walk = (offset: number, prefix: string): void => {
      const at = offset & NODE_OFFSET_MASK;
      if (at === 0) return;
      if (visited.has(at)) {
        throw new InitkitError('KMOD_INDEX_BAD_NODE', `index node at ${at} is reached twice (a loop)`, { offset: at });
      }
      visited.add(at);
      const node = this.readNode(offset);
      const key = prefix + node.prefix;
      if (node.values.length > 0) result.set(key, node.values);
      for (let ch = node.first; ch <= node.last; ch++)
        walk(node.children[ch - node.first]!, key + String.fromCharCode(ch));
    };
    walk(this.root, '');
    return result;
  }

  private readNode(offset: number): {
    prefix: string;
    first: number;
    last: number;
    children: number[];
    values: IndexValue[];
  } {
    let position = offset & NODE_OFFSET_MASK;
    // A node without flags has no bytes (an empty index's root), so it may sit at the very end.
    if (position < 12 || position > this.bytes.length) {
      throw new InitkitError(
        'KMOD_INDEX_BAD_NODE',
        `index node offset ${position} is outside the file (${this.bytes.length} bytes)`,
        {
          offset: position,
        },
      );
    }
    let prefix = '';
    if (offset & NODE_PREFIX) {
      const end = this.stringEnd(position, 'node prefix');
      prefix = latin1.decode(this.bytes.subarray(position, end));
      position = end + 1;
    }
    let first = CHILD_MAX;
    let last = 0;
    const children: number[] = [];
    if (offset & NODE_CHILDREN) {
      this.need(position, 2, 'child range');
      first = this.bytes[position]!;
      last = this.bytes[position + 1]!;
      position += 2;
      if (last < first || last >= CHILD_MAX) {
        throw new InitkitError('KMOD_INDEX_BAD_NODE', `child range ${first}..${last} is not within 0..127`, {
          offset: position - 2,
        });
      }
      const count = last - first + 1;
      this.need(position, count * 4, 'child offsets');
      for (let k = 0; k < count; k++) children.push(this.view.getUint32(position + k * 4));
      position += count * 4;
    }
    const values: IndexValue[] = [];
    if (offset & NODE_VALUES) {
      this.need(position, 4, 'value count');
      const count = this.view.getUint32(position);
      position += 4;
      for (let k = 0; k < count; k++) {
        this.need(position, 4, 'value priority');
        const priority = this.view.getUint32(position);
        const end = this.stringEnd(position + 4, 'value');
        values.push({ priority, value: latin1.decode(this.bytes.subarray(position + 4, end)) });
        position = end + 1;
      }
    }
    return { prefix, first, last, children, values };
  }

  private need(position: number, count: number, what: string): void {
    if (position + count > this.bytes.length) {
      throw new InitkitError(
        'KMOD_INDEX_TRUNCATED',
        `index ${what}: needs ${count} bytes, ${this.bytes.length - position} remain`,
        {
          offset: position,
        },
      );
    }
  }

  private stringEnd(position: number, what: string): number {
    const end = this.bytes.indexOf(0, position);
    if (end < 0) {
      throw new InitkitError('KMOD_INDEX_TRUNCATED', `index ${what} has no terminating NUL`, { offset: position });
    }
    return end;
  }
}

interface TrieNode {
  prefix: string;
  values: IndexValue[];
  /** Child characters and nodes side by side; most nodes have one or two, so no 128-slot table. */
  childChars: number[] | undefined;
  childNodes: TrieNode[] | undefined;
  first: number;
  last: number;
}

function newNode(prefix: string): TrieNode {
  return { prefix, values: [], childChars: undefined, childNodes: undefined, first: CHILD_MAX, last: 0 };
}

/** Builds an index in memory and serializes it the way depmod does. */
export class KmodIndexBuilder {
  private readonly root = newNode('');

  /**
   * Adds `value` under `key` with `priority` (lower first; among equal priorities the newest comes
   * first, as in depmod). Keys and values must be 7-bit ASCII. Returns true when the key already held
   * this value (depmod's "duplicate").
   */
  insert(key: string, value: string, priority: number): boolean {
    checkAscii(key);
    checkAscii(value);
    let node = this.root;
    let i = 0;
    for (;;) {
      for (let j = 0; j < node.prefix.length; j++) {
        const ch = node.prefix.charCodeAt(j);
        if (ch !== key.charCodeAt(i + j)) {
          // Split: the node keeps prefix[0..j); a child at prefix[j] takes the rest and the old contents.
          const child: TrieNode = { ...node, prefix: node.prefix.slice(j + 1) };
          node.prefix = node.prefix.slice(0, j);
          node.values = [];
          node.childChars = [ch];
          node.childNodes = [child];
          node.first = ch;
          node.last = ch;
          break;
        }
      }
      i += node.prefix.length;
      if (i === key.length) return addValue(node.values, value, priority);
      const ch = key.charCodeAt(i);
      const at = node.childChars ? node.childChars.indexOf(ch) : -1;
      const next = at < 0 ? undefined : node.childNodes![at];
      if (!next) {
        if (ch < node.first) node.first = ch;
        if (ch > node.last) node.last = ch;
        const child = newNode(key.slice(i + 1));
        addValue(child.values, value, priority);
        if (node.childChars && node.childNodes) {
          node.childChars.push(ch);
          node.childNodes.push(child);
        } else {
          node.childChars = [ch];
          node.childNodes = [child];
        }
        return false;
      }
      node = next;
      i++;
    }
  }

  /** The index file's bytes. */
  serialize(): Uint8Array {
    const writer = new ByteWriter(1 << 16);
    writer.u32be(INDEX_MAGIC).u32be(INDEX_VERSION).u32be(0);
    const rootOffset = writeNode(this.root, writer);
    writer.patchU32be(8, rootOffset);
    return writer.finish();
  }
}

function addValue(values: IndexValue[], value: string, priority: number): boolean {
  const duplicate = values.some((existing) => existing.value === value);
  let at = 0;
  while (at < values.length && values[at]!.priority < priority) at++;
  values.splice(at, 0, { priority, value });
  return duplicate;
}

const NON_ASCII = /[^\x00-\x7f]/;

function checkAscii(text: string): void {
  if (!NON_ASCII.test(text)) return;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= CHILD_MAX) {
      throw new InitkitError(
        'KMOD_INDEX_BAD_KEY',
        `index keys and values are 7-bit ASCII; "${text}" has character ${i} = 0x${text.charCodeAt(i).toString(16)}`,
      );
    }
  }
}

/** Writes children first (post-order), then the node; returns the node's flagged offset. */
function writeNode(node: TrieNode, writer: ByteWriter): number {
  const childOffsets: number[] = [];
  const hasChildren = node.first < CHILD_MAX;
  if (hasChildren) {
    for (let ch = node.first; ch <= node.last; ch++) {
      const at = node.childChars!.indexOf(ch);
      childOffsets.push(at < 0 ? 0 : writeNode(node.childNodes![at]!, writer));
    }
  }
  let offset = writer.length;
  if (offset > NODE_OFFSET_MASK) {
    throw new InitkitError('KMOD_INDEX_TOO_LARGE', `index grew past ${NODE_OFFSET_MASK} bytes, the format's limit`);
  }
  if (node.prefix.length > 0) {
    writer.ascii(node.prefix).u8(0);
    offset |= NODE_PREFIX;
  }
  if (hasChildren) {
    writer.u8(node.first).u8(node.last);
    for (const child of childOffsets) writer.u32be(child);
    offset |= NODE_CHILDREN;
  }
  if (node.values.length > 0) {
    writer.u32be(node.values.length);
    for (const { priority, value } of node.values) writer.u32be(priority).ascii(value).u8(0);
    offset |= NODE_VALUES;
  }
  return offset >>> 0;
}
