/**
 * Interning of short Latin-1 names read from bytes (symbol names, by the hundred thousand in a module
 * tree, most of them repeats): equal byte strings give the same JavaScript string, decoded once, so
 * reading a tree allocates one string per distinct name instead of one per occurrence.
 */
import { decodeShortLatin1 } from './elf.js';

/** Decodes bytes[start..end) as Latin-1 text (a fresh string, or an interned one). */
export type NameDecoder = (bytes: Uint8Array, start: number, end: number) => string;

export class Latin1Interner {
  private slots: Int32Array = new Int32Array(1 << 14);
  private hashes: Int32Array = new Int32Array(1 << 12);
  private starts: Int32Array = new Int32Array(1 << 12);
  private ends: Int32Array = new Int32Array(1 << 12);
  private arena: Uint8Array = new Uint8Array(1 << 16);
  private arenaLength = 0;
  private readonly strings: string[] = [];
  /** Per name, the generation in which it was last marked (see mark). */
  private marks: Int32Array = new Int32Array(1 << 12);
  private generation = 0;
  /** The id of the name the last intern() returned. */
  private lastId = -1;

  /** Starts a new set of marked names (one module's), emptying the previous one. */
  newGeneration(): void {
    this.generation++;
  }

  /** Marks the name the last intern() returned as a member of the current generation's set. */
  markLast(): void {
    this.marks[this.lastId] = this.generation;
  }

  /** Whether the name the last intern() returned was marked in the current generation. */
  lastIsMarked(): boolean {
    return this.marks[this.lastId] === this.generation;
  }

  /** Number of distinct names seen. */
  get size(): number {
    return this.strings.length;
  }

  /** The string of bytes[start..end), the same object for equal bytes. */
  readonly intern: NameDecoder = (bytes, start, end) => {
    let hash = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    const length = end - start;
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = slots[slot]!;
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === hash) {
        const from = this.starts[id]!;
        if (this.ends[id]! - from === length) {
          const arena = this.arena;
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
    const id = this.strings.length;
    const text = decodeShortLatin1(bytes, start, end);
    if (id === this.hashes.length) this.growIds();
    if (this.arenaLength + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaLength + length));
      grown.set(this.arena.subarray(0, this.arenaLength));
      this.arena = grown;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaLength);
    this.hashes[id] = hash;
    this.starts[id] = this.arenaLength;
    this.ends[id] = this.arenaLength + length;
    this.arenaLength += length;
    this.strings.push(text);
    slots[slot] = id + 1;
    this.lastId = id;
    if ((id + 1) * 2 > slots.length) this.rehash();
    return text;
  };

  private growIds(): void {
    const grow = (from: Int32Array): Int32Array => {
      const grown = new Int32Array(from.length * 2);
      grown.set(from);
      return grown;
    };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    this.marks = grow(this.marks);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.strings.length; id++) {
      let slot = this.hashes[id]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
  }
}
