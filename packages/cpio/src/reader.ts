/**
 * Reading an archive held in memory: a cursor that yields one record per entry (data as zero-copy
 * views) through the one record walk (walk.ts), verifies crc checksums, stops at TRAILER!!! and reports where the archive ended, so a
 * caller holding a larger buffer (an initrd: archives, NUL padding, compressed members) can go on
 * from there. Alignment is counted from the archive's first byte.
 */
import { cpioChecksum } from './checksum.js';
import type { CpioRecord } from './entry.js';
import {
  type CpioArchiveInfo,
  CpioWalk,
  checksumMismatch,
  NEED,
  WalkedArchive,
  type WalkedRecord,
  type WalkInput,
  type WalkOptions,
} from './walk.js';

/** The walk's options (walk.ts), for one archive starting at `offset`. */
export interface ReadCpioOptions extends Omit<WalkOptions, 'start' | 'concatenated'> {
  /** Where the archive starts in `bytes` (default 0). */
  offset?: number;
}

export type { CpioArchiveInfo } from './walk.js';

export interface CpioReadResult extends CpioArchiveInfo {
  entries: CpioRecord[];
}

/**
 * A cursor over one archive in `bytes`. Iterate it (or call `next()`) for the entries; after the
 * last one, `end` says where the archive stopped. The walk is walk.ts's; this adapter hands each
 * entry's data out as a view of `bytes` and checks crc sums.
 */
export class CpioReader extends WalkedArchive implements Iterable<CpioRecord> {
  readonly bytes: Uint8Array;
  readonly start: number;
  protected readonly walk: CpioWalk;
  private readonly steps: Generator<WalkedRecord | typeof NEED, void, void>;
  private done = false;

  constructor(bytes: Uint8Array, options: ReadCpioOptions = {}) {
    super();
    this.bytes = bytes;
    this.start = options.offset ?? 0;
    if (!Number.isInteger(this.start) || this.start < 0 || this.start > bytes.length) {
      throw new RangeError(`offset ${this.start} is outside the ${bytes.length}-byte input`);
    }
    const input: WalkInput = {
      peek: (position, count) => bytes.subarray(position, position + count),
      complete: true,
      size: bytes.length,
      stable: true,
    };
    this.walk = new CpioWalk(input, { ...options, start: this.start });
    this.steps = this.walk.records();
  }

  /** Offset in `bytes` where reading stopped: past the trailer once iteration has finished. */
  get end(): number {
    return this.walk.position;
  }

  get finished(): boolean {
    return this.done;
  }

  [Symbol.iterator](): Iterator<CpioRecord> {
    return {
      next: () => {
        const record = this.next();
        return record === undefined ? { done: true, value: undefined } : { done: false, value: record };
      },
    };
  }

  /** The next entry, or undefined at the trailer (or at the end of input when no trailer is required). */
  next(): CpioRecord | undefined {
    if (this.done) return undefined;
    let step: IteratorResult<WalkedRecord | typeof NEED, void>;
    try {
      step = this.steps.next();
    } catch (error) {
      this.done = true;
      throw error;
    }
    // Every byte is present, so the walk never yields NEED here.
    if (step.done || step.value === NEED) {
      this.done = true;
      return undefined;
    }
    const record = step.value;
    const data = this.bytes.subarray(record.dataAt, record.dataAt + record.fileSize);
    if (record.verify) {
      const sum = cpioChecksum(data);
      if (sum !== record.check) throw checksumMismatch(record, sum);
    }
    // Built field by field, not spread: this is the in-memory reader's hot path (bench/cpio).
    return {
      format: record.format,
      name: record.name,
      nameBytes: record.nameBytes,
      ino: record.ino,
      mode: record.mode,
      uid: record.uid,
      gid: record.gid,
      nlink: record.nlink,
      mtime: record.mtime,
      devMajor: record.devMajor,
      devMinor: record.devMinor,
      rdevMajor: record.rdevMajor,
      rdevMinor: record.rdevMinor,
      check: record.check,
      data,
      offset: record.offset,
      dataOffset: record.dataOffset,
    };
  }
}

/** Reads one whole archive starting at `options.offset`: every entry and where the archive ended. */
export function readCpio(bytes: Uint8Array, options: ReadCpioOptions = {}): CpioReadResult {
  const reader = new CpioReader(bytes, options);
  const entries: CpioRecord[] = [];
  for (const record of reader) entries.push(record);
  return { ...reader.info(), entries };
}

/**
 * The offset of the first non-NUL byte at or after `offset`: the kernel skips NUL padding between the
 * archives of an initrd (GNU cpio pads each to 512 bytes).
 */
export function skipZeroPadding(bytes: Uint8Array, offset: number): number {
  let position = offset;
  while (position < bytes.length && bytes[position] === 0) position++;
  return position;
}
