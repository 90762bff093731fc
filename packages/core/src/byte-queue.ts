/**
 * Byte sources and the one adapter that reads them: `ByteSource` is what every streaming reader in
 * initkit accepts (Web ReadableStream, Node stream, async or sync iterable of chunks), `sourceChunks`
 * turns any of them into an async iterable, and `ByteQueue` pulls chunks for a record walker: it assembles small spans that cross chunk boundaries
 * (headers, names), hands out large spans (file data) as zero-copy views of the source's own chunks,
 * and never holds a source chunk once it pulls the next, so a source may refill one buffer.
 */

/** Anything that yields Uint8Array chunks. Node Readables are async iterables of Buffers. */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

function isReadableStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array>).getReader === 'function';
}

async function* readableStreamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The chunks of any supported source as one async iterable. */
export async function* sourceChunks(source: ByteSource): AsyncGenerator<Uint8Array, void, void> {
  const iterator = sourceIterator(source);
  for (;;) {
    const result = await iterator.next();
    if (result.done) return;
    yield result.value;
  }
}

/** An async (or sync) iterator over the chunks of any supported source. */
export function sourceIterator(source: ByteSource): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  if (isReadableStream(source)) return readableStreamChunks(source)[Symbol.asyncIterator]();
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  if (Symbol.iterator in source) return (source as Iterable<Uint8Array>)[Symbol.iterator]();
  throw new TypeError('expected a ReadableStream, an async iterable or an iterable of Uint8Array chunks');
}

/** Chunks pulled on demand, read as one run of bytes with a position (see the file's top). */
export class ByteQueue {
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private readonly chunks: Uint8Array[] = [];
  /** Offset of the first unread byte inside chunks[0]. */
  private head = 0;
  private ended = false;
  /** Bytes buffered and not yet consumed. */
  buffered = 0;
  /** Bytes consumed since the start of the source. */
  position = 0;

  constructor(source: ByteSource) {
    this.iterator = sourceIterator(source);
  }

  /** Pulls one more chunk; false at the end of the source. */
  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    for (;;) {
      const result = await this.iterator.next();
      if (result.done) {
        this.ended = true;
        return false;
      }
      const chunk = result.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError(`expected Uint8Array chunks, got ${typeof chunk}`);
      }
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      return true;
    }
  }

  /**
   * Buffers at least `count` bytes if the source has them; returns whether it could. Bytes still
   * buffered when another chunk must be pulled are copied first (they are few: this is for headers
   * and names), so the queue never holds a source chunk across a pull and sources may reuse buffers.
   */
  async fill(count: number): Promise<boolean> {
    while (this.buffered < count) {
      if (this.buffered > 0) this.ownRemainder();
      if (!(await this.pull())) return false;
    }
    return true;
  }

  private ownRemainder(): void {
    const copy = new Uint8Array(this.buffered);
    let filled = 0;
    let head = this.head;
    for (const chunk of this.chunks) {
      copy.set(chunk.subarray(head), filled);
      filled += chunk.length - head;
      head = 0;
    }
    this.chunks.length = 0;
    this.chunks.push(copy);
    this.head = 0;
  }

  /** Whether the source is exhausted and nothing is buffered. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  /**
   * The next `count` buffered bytes as one array (a view when they sit in one chunk, else a copy),
   * without consuming them. Call fill(count) first.
   */
  peek(count: number): Uint8Array {
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.head >= count) return first.subarray(this.head, this.head + count);
    const out = new Uint8Array(count);
    let filled = 0;
    let head = this.head;
    for (const chunk of this.chunks) {
      const piece = chunk.subarray(head, head + Math.min(count - filled, chunk.length - head));
      out.set(piece, filled);
      filled += piece.length;
      head = 0;
      if (filled === count) break;
    }
    return out;
  }

  /** Consumes `count` buffered bytes. */
  consume(count: number): void {
    let rest = count;
    while (rest > 0) {
      const first = this.chunks[0]!;
      const available = first.length - this.head;
      if (available > rest) {
        this.head += rest;
        break;
      }
      rest -= available;
      this.chunks.shift();
      this.head = 0;
    }
    this.buffered -= count;
    this.position += count;
  }

  /**
   * Up to `limit` bytes as a view of the current chunk (pulling one if none is buffered), consumed;
   * an empty array at the end of the source.
   */
  async nextPiece(limit: number): Promise<Uint8Array> {
    if (this.buffered === 0 && !(await this.pull())) return new Uint8Array(0);
    const first = this.chunks[0]!;
    const size = Math.min(limit, first.length - this.head);
    const piece = first.subarray(this.head, this.head + size);
    this.consume(size);
    return piece;
  }

  /** Skips up to `count` bytes; returns how many were skipped (fewer only at the end of the source). */
  async skip(count: number): Promise<number> {
    let skipped = 0;
    while (skipped < count) {
      if (this.buffered === 0 && !(await this.pull())) break;
      const step = Math.min(count - skipped, this.buffered);
      this.consume(step);
      skipped += step;
    }
    return skipped;
  }
}
