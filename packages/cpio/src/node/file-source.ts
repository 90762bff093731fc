/**
 * Chunks of an open file or pipe (stdin included) for the streaming reader, read synchronously into
 * two buffers used in turn, so streaming a gigabyte allocates almost nothing. A chunk's bytes stay
 * valid until the chunk after next is read; the streaming reader never holds a chunk that long (it
 * copies header remainders before pulling, and hands data out before reading on). Callers that keep
 * entry data past the next chunk must copy it.
 */
import { readSync } from 'node:fs';

const BUFFERS = 2;

export function* fileChunks(descriptor: number, chunkSize = 1 << 20): Generator<Uint8Array> {
  const buffers = Array.from({ length: BUFFERS }, () => new Uint8Array(chunkSize));
  for (let turn = 0; ; turn++) {
    const buffer = buffers[turn % BUFFERS]!;
    let filled = 0;
    while (filled < chunkSize) {
      let count: number;
      try {
        count = readSync(descriptor, buffer, filled, chunkSize - filled, null);
      } catch (error) {
        // A non-blocking pipe with nothing in it yet: wait a little and try again.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (count === 0) break;
      filled += count;
    }
    if (filled > 0) yield buffer.subarray(0, filled);
    if (filled < chunkSize) return;
  }
}
