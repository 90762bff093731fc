/**
 * Size limits every parser and decoder honours, so hostile input cannot make initkit allocate without
 * bound. Each is an option with a safe default; exceeding one is an InitkitError, never an OOM crash.
 */
import { InitkitError } from './errors.js';

export interface Limits {
  /** Largest input read whole into memory (a file, an initrd), in bytes. */
  maxInputBytes: number;
  /** Largest output a decoder or reader may produce, in bytes. */
  maxOutputBytes: number;
  /** Largest single entry (an archive member's data, a file) held in memory at once, in bytes. */
  maxEntryBytes: number;
  /** Largest single file's contents an initrd reader keeps in memory or reads back, in bytes. */
  maxFileBytes: number;
  /**
   * Largest output/input ratio a decompressor accepts; none by default (a zero-filled image expands a
   * million-fold and is real data): maxOutputBytes and streaming bound memory.
   */
  maxRatio: number;
  /** Most entries an archive may hold. */
  maxEntries: number;
  /** Longest path name, in bytes. */
  maxNameBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxInputBytes: 2 * 1024 * 1024 * 1024,
  maxOutputBytes: 2 * 1024 * 1024 * 1024,
  maxEntryBytes: 64 * 1024 * 1024,
  maxFileBytes: 256 * 1024 * 1024,
  maxRatio: Number.POSITIVE_INFINITY,
  maxEntries: 1_000_000,
  maxNameBytes: 4096,
});

/** Throws `code` when `value` exceeds `limit`; `what` names the quantity in the message. */
export function checkLimit(value: number, limit: number, code: string, what: string, offset?: number): void {
  if (value > limit) {
    throw new InitkitError(code, `${what} (${value}) is over the limit of ${limit}`, { offset });
  }
}
