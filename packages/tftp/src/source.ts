/**
 * What a sender reads from: bytes in memory, an open file, or any stream of chunks, optionally turned into
 * netascii on the way. Reads are sequential; the sender keeps the blocks of its window itself, so a
 * source never seeks back and holds at most one chunk.
 */
import type { FileHandle } from 'node:fs/promises';
import { encodeNetascii } from './netascii.js';

export interface BlockSource {
  /** Fills `target` with the next bytes; returns how many, fewer than target.length only at the end. */
  read(target: Uint8Array): Promise<number>;
  /** Releases the file or stream behind the source. */
  close(): Promise<void>;
}

/** How many bytes a file source reads at a time. */
const FILE_CHUNK = 256 * 1024;

/** A source over an iterator of chunks (copied out chunk by chunk, so the iterator may reuse its buffer). */
export function chunkSource(
  chunks: AsyncIterator<Uint8Array>,
  close: () => Promise<void> = async () => {},
): BlockSource {
  let current: Uint8Array = new Uint8Array(0);
  let position = 0;
  let finished = false;
  return {
    async read(target) {
      let filled = 0;
      while (filled < target.length) {
        if (position === current.length) {
          if (finished) break;
          const next = await chunks.next();
          if (next.done) {
            finished = true;
            break;
          }
          current = next.value;
          position = 0;
          continue;
        }
        const count = Math.min(target.length - filled, current.length - position);
        target.set(current.subarray(position, position + count), filled);
        filled += count;
        position += count;
      }
      return filled;
    },
    close,
  };
}

export function bytesSource(bytes: Uint8Array): BlockSource {
  return chunkSource(
    (async function* () {
      yield bytes;
    })(),
  );
}

/** A source over an open file, read in 256 KiB chunks from the current position; closes the handle. */
export function fileSource(handle: FileHandle): BlockSource {
  const buffer = new Uint8Array(FILE_CHUNK);
  return chunkSource(
    (async function* () {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    })(),
    () => handle.close(),
  );
}

/** A source over a Node readable stream or any async iterable of byte chunks. */
export function iterableSource(iterable: AsyncIterable<Uint8Array>): BlockSource {
  const iterator = iterable[Symbol.asyncIterator]();
  return chunkSource(iterator, async () => {
    await iterator.return?.();
  });
}

/** Wraps a source so its bytes go out as netascii. */
export function netasciiSource(inner: BlockSource): BlockSource {
  const chunk = new Uint8Array(64 * 1024);
  return chunkSource(
    (async function* () {
      for (;;) {
        const count = await inner.read(chunk);
        if (count === 0) return;
        yield encodeNetascii(chunk.subarray(0, count));
        if (count < chunk.length) return;
      }
    })(),
    () => inner.close(),
  );
}
