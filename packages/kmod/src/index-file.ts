/**
 * kmod's binary index (modules.dep.bin, modules.alias.bin, modules.symbols.bin, modules.builtin.bin,
 * modules.builtin.alias.bin): a prefix-compressed trie of ASCII keys, each key holding values sorted
 * by priority. Big-endian header: magic 0xB007F457, version 0x00020001, root node offset. A node
 * offset's high nibble says which parts follow: prefix (NUL-terminated), child range first..last with
 * one u32 offset per character, and the values (count, then priority + NUL-terminated string each).
 * The writer lays nodes out children first, exactly as depmod does, so its output is byte-identical.
 */
import { ByteReader, hex32 } from '@initkit/core';
import { kmodError } from './errors.js';

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

/** A read-only view of an index file; lookups walk the trie without decoding all of it. */
export class KmodIndex {
  readonly bytes: Uint8Array;
  /** Core's checked cursor: a lookup reads a handful of nodes, so no read here is hot. */
  private readonly reader: ByteReader;
  private readonly root: number;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.reader = new ByteReader(bytes, { truncatedCode: 'KMOD_INDEX_TRUNCATED', what: 'index' });
    // A zero-byte file (depmod can leave one) is an empty index, as libkmod reads it.
    if (bytes.length === 0) {
      this.root = 0;
      return;
    }
    if (bytes.length < 12) {
      throw kmodError('KMOD_INDEX_TRUNCATED', `index header needs 12 bytes, found ${bytes.length}`, {
        offset: 0,
      });
    }
    const magic = this.reader.u32be('index magic');
    if (magic !== INDEX_MAGIC) {
      throw kmodError('KMOD_INDEX_BAD_MAGIC', `expected index magic ${hex32(INDEX_MAGIC)}, found ${hex32(magic)}`, {
        offset: 0,
      });
    }
    const version = this.reader.u32be('index version');
    if (version >>> 16 !== INDEX_VERSION >>> 16) {
      throw kmodError(
        'KMOD_INDEX_UNSUPPORTED',
        `expected index version 2.x (${hex32(INDEX_VERSION)}), found ${hex32(version)}`,
        { offset: 4 },
      );
    }
    this.root = this.reader.u32be('index root');
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
        throw kmodError('KMOD_INDEX_CORRUPT', 'index node is reached twice (a loop)', { offset: at });
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
    const position = offset & NODE_OFFSET_MASK;
    // A node without flags has no bytes (an empty index's root), so it may sit at the very end.
    if (position < 12 || position > this.bytes.length) {
      throw kmodError('KMOD_INDEX_CORRUPT', `index node is outside the file (${this.bytes.length} bytes)`, {
        offset: position,
      });
    }
    const reader = this.reader.seek(position);
    const prefix = offset & NODE_PREFIX ? this.string('index node prefix') : '';
    let first = CHILD_MAX;
    let last = 0;
    const children: number[] = [];
    if (offset & NODE_CHILDREN) {
      first = reader.u8('index child range');
      last = reader.u8('index child range');
      if (last < first || last >= CHILD_MAX) {
        throw kmodError('KMOD_INDEX_CORRUPT', `child range ${first}..${last} is not within 0..127`, {
          offset: reader.offset - 2,
        });
      }
      reader.need((last - first + 1) * 4, 'index child offsets');
      for (let ch = first; ch <= last; ch++) children.push(reader.u32be());
    }
    const values: IndexValue[] = [];
    if (offset & NODE_VALUES) {
      const count = reader.u32be('index value count');
      for (let k = 0; k < count; k++) {
        const priority = reader.u32be('index value priority');
        values.push({ priority, value: this.string('index value') });
      }
    }
    return { prefix, first, last, children, values };
  }

  /** The NUL-terminated Latin-1 string at the cursor; the cursor moves past its NUL. */
  private string(what: string): string {
    const start = this.reader.position;
    const end = this.bytes.indexOf(0, start);
    if (end < 0) {
      throw kmodError('KMOD_INDEX_TRUNCATED', `${what} has no terminating NUL`, { offset: this.reader.offset });
    }
    const text = this.reader.latin1(end - start, what);
    this.reader.skip(1);
    return text;
  }
}

/**
 * Builds an index in memory and serializes it the way depmod does. Keys are collected first and the
 * trie is laid out from the sorted keys in one pass: the trie for a set of keys is unique (each node
 * boundary is where keys diverge or one ends; the root's prefix is always empty), so this gives the
 * same bytes as depmod's insert-and-split, without building and splitting nodes one key at a time.
 */
export class KmodIndexBuilder {
  /** Each key's values, kept in their output order as they are inserted (no sort when writing). */
  private readonly keys = new Map<string, IndexValue[]>();
  /**
   * A size the index will most likely fit in (keys, values and node overhead), kept up to date by
   * insert() so serialize() allocates once without another pass over every key.
   */
  private estimatedSize = 64;

  /**
   * Adds `value` under `key` with `priority` (lower first; among equal priorities the newest comes
   * first, as in depmod). Keys and values must be 7-bit ASCII (serialize() throws KMOD_INDEX_BAD_KEY
   * otherwise). Returns true when the key already held this value (depmod's "duplicate").
   */
  insert(key: string, value: string, priority: number): boolean {
    const values = this.keys.get(key);
    const entry = { priority, value };
    this.estimatedSize += value.length + 5;
    if (!values) {
      this.estimatedSize += key.length + 24;
      this.keys.set(key, [entry]);
      return false;
    }
    let duplicate = false;
    for (let k = 0; k < values.length; k++) if (values[k]!.value === value) duplicate = true;
    // Lowest priority first, and the newest first among equal priorities: before every value whose
    // priority is not lower.
    let at = values.length;
    while (at > 0 && values[at - 1]!.priority >= priority) at--;
    if (at === values.length) values.push(entry);
    else values.splice(at, 0, entry);
    return duplicate;
  }

  /** The index file's bytes. */
  serialize(): Uint8Array {
    // Default sort: UTF-16 code unit order, which is byte order for the ASCII keys (checked on write).
    const keys = [...this.keys.keys()].sort();
    const out = new IndexOutput(this.estimatedSize);
    out.u32(INDEX_MAGIC);
    out.u32(INDEX_VERSION);
    out.u32(0);
    // An empty index is a root node with nothing in it: no flags, no bytes.
    const rootOffset = keys.length === 0 ? out.length : this.writeNode(keys, 0, keys.length, 0, true, out);
    out.patchU32(8, rootOffset);
    return out.finish();
  }

  /**
   * Writes the node for sorted keys[lo..hi), which all share their first `depth` characters: its
   * children first (post-order, as depmod), then itself. Returns its flagged offset.
   */
  private writeNode(
    keys: readonly string[],
    lo: number,
    hi: number,
    depth: number,
    root: boolean,
    out: IndexOutput,
  ): number {
    const first = keys[lo]!;
    let end = depth;
    if (!root) {
      // The prefix runs while every key in the range agrees (first and last suffice when sorted).
      const last = keys[hi - 1]!;
      const limit = Math.min(first.length, last.length);
      while (end < limit && first.charCodeAt(end) === last.charCodeAt(end)) end++;
    }
    let values: IndexValue[] | undefined;
    let next = lo;
    if (first.length === end) {
      values = this.keys.get(first)!;
      next++;
    }
    // Children: one per distinct character at `end`, written before this node; their characters and
    // offsets go on a stack shared by every node (a child's own entries are gone when it returns).
    const base = out.stackTop;
    while (next < hi) {
      const ch = keys[next]!.charCodeAt(end);
      if (ch >= CHILD_MAX) {
        throw kmodError(
          'KMOD_INDEX_BAD_KEY',
          `index keys and values are 7-bit ASCII; "${keys[next]}" has character ${end} = 0x${ch.toString(16)}`,
        );
      }
      let groupEnd = next + 1;
      while (groupEnd < hi && keys[groupEnd]!.charCodeAt(end) === ch) groupEnd++;
      out.pushChild(ch, this.writeNode(keys, next, groupEnd, end + 1, false, out));
      next = groupEnd;
    }
    const top = out.stackTop;

    let offset = out.length;
    if (offset > NODE_OFFSET_MASK) {
      throw kmodError('KMOD_INDEX_TOO_LARGE', `index grew past ${NODE_OFFSET_MASK} bytes, the format's limit`);
    }
    if (end > depth) {
      out.ascii(first, depth, end);
      offset |= NODE_PREFIX;
    }
    if (top > base) {
      out.childTable(base, top);
      out.stackTop = base;
      offset |= NODE_CHILDREN;
    }
    if (values) {
      out.u32(values.length);
      for (let k = 0; k < values.length; k++) {
        const { priority, value } = values[k]!;
        out.u32(priority);
        out.ascii(value, 0, value.length);
      }
      offset |= NODE_VALUES;
    }
    return offset >>> 0;
  }
}

/** The index being written: a buffer that grows by doubling, with big-endian u32s and ASCII strings. */
class IndexOutput {
  private bytes: Uint8Array;
  length = 0;
  /** Pending children of the nodes being written: (character, flagged offset) pairs. */
  stack = new Float64Array(1024);
  stackTop = 0;

  pushChild(ch: number, offset: number): void {
    if (this.stackTop + 2 > this.stack.length) {
      const grown = new Float64Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.stackTop++] = ch;
    this.stack[this.stackTop++] = offset;
  }

  /**
   * Writes the child range and offset table of the pending children stack[base..top): one u32 per
   * character from the first child's to the last's, 0 where there is no child. Written in one loop:
   * the tables are most of an index's bytes (hundreds of thousands of slots in a tree's indexes).
   */
  childTable(base: number, top: number): void {
    const stack = this.stack;
    const low = stack[base]!;
    const high = stack[top - 2]!;
    this.reserve(2 + (high - low + 1) * 4);
    const bytes = this.bytes;
    let at = this.length;
    bytes[at++] = low;
    bytes[at++] = high;
    // Nothing is ever written past `length`, so the bytes there are zero: empty slots are skipped.
    for (let k = base; k < top; k += 2) {
      const slot = at + (stack[k]! - low) * 4;
      const offset = stack[k + 1]!;
      bytes[slot] = offset >>> 24;
      bytes[slot + 1] = offset >>> 16;
      bytes[slot + 2] = offset >>> 8;
      bytes[slot + 3] = offset;
    }
    this.length = at + (high - low + 1) * 4;
  }

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(capacity, 64));
  }

  reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  u32(value: number): void {
    this.reserve(4);
    const bytes = this.bytes;
    const at = this.length;
    bytes[at] = value >>> 24;
    bytes[at + 1] = value >>> 16;
    bytes[at + 2] = value >>> 8;
    bytes[at + 3] = value;
    this.length = at + 4;
  }

  patchU32(at: number, value: number): void {
    const saved = this.length;
    this.length = at;
    this.u32(value);
    this.length = saved;
  }

  /** Writes text[start..end) and a NUL; keys and values are 7-bit ASCII, as kmod's index requires. */
  ascii(text: string, start: number, end: number): void {
    this.reserve(end - start + 1);
    const bytes = this.bytes;
    let at = this.length;
    let all = 0;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      all |= code;
      bytes[at++] = code;
    }
    if (all >= CHILD_MAX) {
      for (let i = start; i < end; i++) {
        const code = text.charCodeAt(i);
        if (code >= CHILD_MAX) {
          throw kmodError(
            'KMOD_INDEX_BAD_KEY',
            `index keys and values are 7-bit ASCII; "${text}" has character ${i} = 0x${code.toString(16)}`,
          );
        }
      }
    }
    bytes[at++] = 0;
    this.length = at;
  }

  finish(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
