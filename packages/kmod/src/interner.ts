/**
 * Interning of short Latin-1 names read from bytes (symbol names, by the hundred thousand in a module
 * tree, most of them repeats): equal byte strings give the same JavaScript string, decoded once, so
 * reading a tree allocates one string per distinct name instead of one per occurrence.
 */
import { decodeShortLatin1 } from './elf.js';

/** Decodes bytes[start..end) as Latin-1 text (a fresh string, or an interned one). */
export type NameDecoder = (bytes: Uint8Array, start: number, end: number) => string;

/**
 * A hash of a name from its length and three 4-byte samples (start, middle, end) rather than every
 * byte: symbol names average 16 bytes and are interned by the hundred thousand, mostly before V8
 * optimizes the loop, so a per-byte hash costs as much as the comparison that confirms a hit. Names
 * that share all samples (rare: a few hundred of a tree's 18,000 imported names) only lengthen a probe.
 */
function sampledHash(bytes: Uint8Array, start: number, length: number): number {
  if (length < 12) {
    let hash = 0x811c9dc5 | 0;
    for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    return hash;
  }
  const middle = start + (length >> 1) - 2;
  const last = start + length - 4;
  const head = bytes[start]! | (bytes[start + 1]! << 8) | (bytes[start + 2]! << 16) | (bytes[start + 3]! << 24);
  const center = bytes[middle]! | (bytes[middle + 1]! << 8) | (bytes[middle + 2]! << 16) | (bytes[middle + 3]! << 24);
  const tail = bytes[last]! | (bytes[last + 1]! << 8) | (bytes[last + 2]! << 16) | (bytes[last + 3]! << 24);
  let hash = Math.imul(head ^ length, 0x9e3779b1);
  hash = Math.imul(hash ^ (hash >>> 15) ^ center, 0x85ebca77);
  hash = Math.imul(hash ^ (hash >>> 13) ^ tail, 0xc2b2ae3d);
  return hash ^ (hash >>> 16);
}

/** Fields of a name's record in `records`: where its bytes are in the arena, and its mark. */
enum Record {
  Start = 0,
  Length = 1,
  Mark = 2,
  Size = 4,
}

/**
 * The tables are packed so that a lookup touches few cache lines: the open-addressing table holds
 * (hash, id + 1) pairs side by side, and each name's arena position, length and mark share one record.
 */
export class Latin1Interner {
  /** (hash, id + 1) pairs; id + 1 === 0 marks an empty slot. */
  // Sized for a distribution's tree (about 20,000 distinct imported and exported names, 400 KiB of
  // them) so that none grows while V8 compiles the readers: replacing a table deoptimizes the code
  // that assumed it constant.
  private table: Int32Array = new Int32Array(2 << 16);
  private records: Int32Array = new Int32Array(Record.Size << 15);
  private arena: Uint8Array = new Uint8Array(1 << 20);
  private arenaLength = 0;
  private readonly strings: string[] = [];
  private generation = 0;
  /** The id of the name the last intern() returned. */
  private lastId = -1;

  /** Starts a new set of marked names (one module's), emptying the previous one. */
  newGeneration(): void {
    this.generation++;
  }

  /** Marks the name the last intern() returned as a member of the current generation's set. */
  markLast(): void {
    this.records[this.lastId * Record.Size + Record.Mark] = this.generation;
  }

  /** Whether the name the last intern() returned was marked in the current generation. */
  lastIsMarked(): boolean {
    return this.records[this.lastId * Record.Size + Record.Mark] === this.generation;
  }

  /** Number of distinct names seen. */
  get size(): number {
    return this.strings.length;
  }

  /** The string of bytes[start..end), the same object for equal bytes. */
  readonly intern: NameDecoder = (bytes, start, end) => {
    const length = end - start;
    const hash = sampledHash(bytes, start, length);
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = table[2 * slot + 1]!;
      if (entry === 0) break;
      if (table[2 * slot] === hash) {
        const id = entry - 1;
        const record = id * Record.Size;
        if (this.records[record + Record.Length] === length) {
          const arena = this.arena;
          const from = this.records[record + Record.Start]!;
          let i = 0;
          while (i < length && arena[from + i] === bytes[start + i]) i++;
          if (i === length) {
            this.lastId = id;
            return this.strings[id]!;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    return this.add(bytes, start, end, hash, slot);
  };

  /** Records a new name found missing at `slot` of the table. */
  private add(bytes: Uint8Array, start: number, end: number, hash: number, slot: number): string {
    const id = this.strings.length;
    const length = end - start;
    const text = decodeShortLatin1(bytes, start, end);
    if ((id + 1) * Record.Size > this.records.length) {
      const grown = new Int32Array(this.records.length * 2);
      grown.set(this.records);
      this.records = grown;
    }
    if (this.arenaLength + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaLength + length));
      grown.set(this.arena.subarray(0, this.arenaLength));
      this.arena = grown;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaLength);
    const record = id * Record.Size;
    this.records[record + Record.Start] = this.arenaLength;
    this.records[record + Record.Length] = length;
    this.arenaLength += length;
    this.strings.push(text);
    this.table[2 * slot] = hash;
    this.table[2 * slot + 1] = id + 1;
    this.lastId = id;
    // At most half full: probes stay short.
    if ((id + 1) * 4 > this.table.length) this.rehash();
    return text;
  }

  private rehash(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = (table.length >> 1) - 1;
    for (let at = 0; at < old.length; at += 2) {
      if (old[at + 1] === 0) continue;
      let slot = old[at]! & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = old[at]!;
      table[2 * slot + 1] = old[at + 1]!;
    }
    this.table = table;
  }
}
