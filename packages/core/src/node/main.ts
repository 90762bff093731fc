/**
 * The Node build of @initkit/core's main entry (chosen by the `node` export condition): the same API,
 * with crc32 computed by node:zlib where Node has it, several times faster than the TypeScript
 * slicing-by-16 loop on the megabytes of an initrd or a uImage payload. node:zlib is loaded at the
 * first CRC, not with this module: most commands never compute one, and loading it costs about 2 ms.
 */
import { crc32 as crc32Portable } from '../crc32.js';

export * from '../index.js';

type Crc32 = (data: Uint8Array, previous?: number) => number;

/**
 * node:zlib's crc32 (Node 20.15+, 22.2+), reached through process.getBuiltinModule (20.16+, 22.3+),
 * which loads a built-in on demand from ESM and CommonJS alike; the TypeScript loop elsewhere.
 */
function nativeOrPortableCrc32(): Crc32 {
  const getBuiltinModule = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const zlib = getBuiltinModule?.('node:zlib') as { crc32?: Crc32 } | undefined;
  return zlib?.crc32 ?? crc32Portable;
}

let chosen: Crc32 | undefined;

/**
 * CRC-32 of `data`, continuing from `previous` (the result of an earlier call over the bytes before
 * `data`; 0 to start). Returns an unsigned 32-bit number.
 */
export const crc32: Crc32 = (data, previous = 0) => {
  chosen ??= nativeOrPortableCrc32();
  return chosen(data, previous);
};
