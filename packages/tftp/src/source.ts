/**
 * What a sender reads from. A positional source (an open file, bytes in memory) can read any block again
 * at its offset, so the sender keeps no sent packet and re-reads what it retransmits. A sequential
 * source (a stream of chunks, anything turned into netascii on the way) is read once, in order; the
 * sender keeps its window's packets itself, and the source holds at most one chunk.
 */
import type { FileHandle } from 'node:fs/promises';
import { encodeNetascii } from './netascii.js';

/** Bytes read once, in order. */
export interface SequentialSource {
  readonly kind: 'sequential';
  /** Fills `target` with the next bytes; returns how many, fewer than target.length only at the end. */
  read(target: Uint8Array): Promise<number>;
  /** Releases the file or stream behind the source. */
  close(): Promise<void>;
}

/** Bytes of a known size that can be read again at any offset. */
export interface PositionalSource {
  readonly kind: 'positional';
  /** The bytes to send: the file's size when it was opened (what tsize announced). */
  readonly size: number;
  /**
   * Fills `targets` in order with the bytes from `position` on; returns how many, fewer than their total
   * only at the end of the source.
   */
  readAt(targets: Uint8Array[], position: number): Promise<number>;
  close(): Promise<void>;
}

export type BlockSource = SequentialSource | PositionalSource;

/** How many bytes of the original a netascii source converts at a time. */
const NETASCII_CHUNK = 64 * 1024;

/** A source over an iterator of chunks (copied out chunk by chunk, so the iterator may reuse its buffer). */
export function chunkSource(
  chunks: AsyncIterator<Uint8Array>,
  close: () => Promise<void> = async () => {},
): SequentialSource {
  let current: Uint8Array = new Uint8Array(0);
  let position = 0;
  let finished = false;
  return {
    kind: 'sequential',
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

/** Bytes in memory, read again from the array itself. */
export function bytesSource(bytes: Uint8Array): PositionalSource {
  return {
    kind: 'positional',
    size: bytes.length,
    async readAt(targets, position) {
      let offset = Math.min(position, bytes.length);
      const start = offset;
      for (const target of targets) {
        const piece = bytes.subarray(offset, offset + target.length);
        target.set(piece);
        offset += piece.length;
        if (piece.length < target.length) break;
      }
      return offset - start;
    },
    close: async () => {},
  };
}

/**
 * An open file of `size` bytes, read with positional reads (preadv into the packets' data, one call per
 * run of blocks); closes the handle.
 */
export function fileSource(handle: FileHandle, size: number): PositionalSource {
  return {
    kind: 'positional',
    size,
    async readAt(targets, position) {
      let total = 0;
      let pending = targets;
      while (pending.length > 0) {
        const { bytesRead } = await handle.readv(pending, position + total);
        if (bytesRead === 0) break;
        total += bytesRead;
        pending = remainderAfter(pending, bytesRead);
      }
      return total;
    },
    close: () => handle.close(),
  };
}

/** The parts of `targets` a read of `count` bytes left unfilled (a short read before the end). */
function remainderAfter(targets: Uint8Array[], count: number): Uint8Array[] {
  let skipped = count;
  let index = 0;
  while (index < targets.length && skipped >= targets[index]!.length) skipped -= targets[index++]!.length;
  if (index === targets.length) return [];
  return [targets[index]!.subarray(skipped), ...targets.slice(index + 1)];
}

/** A source over a Node readable stream or any async iterable of byte chunks. */
export function iterableSource(iterable: AsyncIterable<Uint8Array>): SequentialSource {
  const iterator = iterable[Symbol.asyncIterator]();
  return chunkSource(iterator, async () => {
    await iterator.return?.();
  });
}

/** Reads any source front to back: a positional one in chunks from offset 0. */
function inOrder(source: BlockSource): SequentialSource {
  if (source.kind === 'sequential') return source;
  let position = 0;
  return {
    kind: 'sequential',
    async read(target) {
      const count = await source.readAt([target], position);
      position += count;
      return count;
    },
    close: () => source.close(),
  };
}

/**
 * Wraps a source so its bytes go out as netascii. The result is sequential: a block's offset in the
 * converted bytes does not map back to an offset in the file.
 */
export function netasciiSource(inner: BlockSource): SequentialSource {
  const original = inOrder(inner);
  const chunk = new Uint8Array(NETASCII_CHUNK);
  return chunkSource(
    (async function* () {
      for (;;) {
        const count = await original.read(chunk);
        if (count === 0) return;
        yield encodeNetascii(chunk.subarray(0, count));
        if (count < chunk.length) return;
      }
    })(),
    () => original.close(),
  );
}
