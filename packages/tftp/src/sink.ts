/**
 * Where a receiver puts the bytes: memory, a Node writable stream, or a file that is replaced atomically
 * when the transfer completes (temporary file in the same directory, fsync, rename). Every sink refuses
 * more than its byte limit, so a peer cannot make the receiver fill memory or disk without bound.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { TftpError, TftpErrorCode } from './errors.js';
import { NetasciiDecoder } from './netascii.js';

export interface BlockSink {
  /** Takes the next bytes; a returned promise delays the acknowledgement until it settles. */
  write(data: Uint8Array): void | Promise<void>;
  /** Called once after the last block. */
  end(): Promise<void>;
  /** Called instead of end() when the transfer fails: drops partial output. */
  abort(): Promise<void>;
}

export function tooLarge(received: number, limit: number): TftpError {
  return new TftpError('TFTP_TOO_LARGE', `transfer reached ${received} bytes, over the limit of ${limit}`, {
    tftpCode: TftpErrorCode.DiskFull,
  });
}

/**
 * Collects the bytes in memory; `bytes()` returns them after end(). With the announced size (tsize) the
 * file lands in one buffer of that size (plus `spareBytes` left free after it, for a caller that appends
 * in place: pages never written cost no resident memory); without it the buffer grows by doubling.
 */
export class MemorySink implements BlockSink {
  private buffer: Uint8Array;
  private length = 0;

  constructor(
    private readonly maxBytes: number,
    expectedSize?: number,
    private readonly spareBytes = 0,
  ) {
    const initial = expectedSize !== undefined && expectedSize <= maxBytes ? expectedSize : 64 * 1024;
    this.buffer = new Uint8Array(initial + spareBytes);
  }

  write(data: Uint8Array): void {
    const needed = this.length + data.length;
    if (needed > this.maxBytes) throw tooLarge(needed, this.maxBytes);
    const usable = this.buffer.length - this.spareBytes;
    if (needed > usable) {
      const grown = new Uint8Array(Math.min(this.maxBytes, Math.max(needed, usable * 2)) + this.spareBytes);
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(data, this.length);
    this.length = needed;
  }

  async end(): Promise<void> {}
  async abort(): Promise<void> {}

  bytes(): Uint8Array {
    return this.length === this.buffer.length ? this.buffer : this.buffer.subarray(0, this.length);
  }
}

/** Writes to a Node writable, waiting for 'drain' (and so delaying the ACK) when it is full. */
export class StreamSink implements BlockSink {
  private received = 0;

  constructor(
    private readonly stream: Writable,
    private readonly maxBytes: number,
    private readonly endStream: boolean,
  ) {}

  write(data: Uint8Array): void | Promise<void> {
    this.received += data.length;
    if (this.received > this.maxBytes) throw tooLarge(this.received, this.maxBytes);
    if (this.stream.write(data)) return;
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        this.stream.off('drain', onDrain);
        this.stream.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      this.stream.once('drain', onDrain);
      this.stream.once('error', done);
    });
  }

  async end(): Promise<void> {
    if (!this.endStream) return;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }

  async abort(): Promise<void> {
    if (this.endStream) this.stream.destroy();
  }
}

/** How many bytes a file sink gathers before one write() call. */
const FILE_BATCH = 1024 * 1024;

/** Writes to a temporary file next to `path` and renames it over `path` when the transfer completes. */
export class AtomicFileSink implements BlockSink {
  private handle: FileHandle | undefined;
  private readonly temporary: string;
  private batch = new Uint8Array(FILE_BATCH);
  private batched = 0;
  private received = 0;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly mode = 0o644,
  ) {
    this.temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tftp-part`);
  }

  /** Creates the temporary file; call before the transfer starts so a bad path fails early. */
  async open(): Promise<this> {
    this.handle = await open(this.temporary, 'wx', this.mode);
    return this;
  }

  write(data: Uint8Array): void | Promise<void> {
    this.received += data.length;
    if (this.received > this.maxBytes) throw tooLarge(this.received, this.maxBytes);
    if (this.batched + data.length <= this.batch.length) {
      this.batch.set(data, this.batched);
      this.batched += data.length;
      return;
    }
    return this.flush().then(() => {
      if (data.length >= this.batch.length) return this.writeAll(data);
      this.batch.set(data, 0);
      this.batched = data.length;
    });
  }

  private async flush(): Promise<void> {
    if (this.batched === 0) return;
    const full = this.batch.subarray(0, this.batched);
    this.batch = new Uint8Array(FILE_BATCH);
    this.batched = 0;
    await this.writeAll(full);
  }

  private async writeAll(data: Uint8Array): Promise<void> {
    const handle = this.requireHandle();
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written);
      written += bytesWritten;
    }
  }

  private requireHandle(): FileHandle {
    if (!this.handle) throw new Error('AtomicFileSink used before open()');
    return this.handle;
  }

  async end(): Promise<void> {
    await this.flush();
    const handle = this.requireHandle();
    await handle.sync();
    await handle.close();
    this.handle = undefined;
    await rename(this.temporary, this.path);
    const directory = await open(dirname(this.path), 'r');
    try {
      await directory.sync();
    } catch {
      // Some file systems refuse fsync on a directory; the rename has happened either way.
    } finally {
      await directory.close();
    }
  }

  async abort(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
    await rm(this.temporary, { force: true });
  }
}

/** Wraps a sink so netascii from the wire arrives as local bytes. */
export function netasciiSink(inner: BlockSink): BlockSink {
  const decoder = new NetasciiDecoder();
  return {
    write: (data) => inner.write(decoder.push(data)),
    async end() {
      const tail = decoder.end();
      if (tail.length > 0) await inner.write(tail);
      await inner.end();
    },
    abort: () => inner.abort(),
  };
}
