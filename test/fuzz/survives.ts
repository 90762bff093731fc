/**
 * The check of one fuzz input: the parser returns or throws an InitkitError. Anything else it throws
 * propagates, and so does an allocation that left more than 1 GiB of typed arrays behind (a size field
 * trusted unbounded: one that reaches 2 GiB throws a RangeError, one below it would pass unnoticed).
 */
import { InitkitError } from '@initkit/core';
import type { Target } from './targets.js';

/**
 * Memory outside the JS heap (typed arrays) an input may leave behind: far above what any parser needs
 * for a 4 MiB input under a 16 MiB output limit, and above what garbage gathers between collections.
 */
const MAX_ARRAY_BUFFER_BYTES = 1 << 30;

export function survives(target: Target, bytes: Uint8Array): void {
  try {
    target.parse(bytes);
  } catch (error) {
    if (!(error instanceof InitkitError)) throw error;
  }
  const held = process.memoryUsage().arrayBuffers;
  if (held > MAX_ARRAY_BUFFER_BYTES) {
    throw new Error(`${target.name}: ${held} bytes of typed arrays after a ${bytes.length}-byte input`);
  }
}
