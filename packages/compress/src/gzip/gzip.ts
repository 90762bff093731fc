/**
 * gzip members (RFC 1952): header with every optional field (extra, name, comment, header CRC), a
 * DEFLATE stream, then CRC-32 and size of the data, both verified. Members may be concatenated; the
 * decoder stops after the last one that follows directly and reports how many bytes were used.
 */
import { crc32 } from '@initkit/core';
import { compressError } from '../errors.js';
import { differsFromMagic, type InputQueue, need, peekAvailable } from '../input-queue.js';
import type { OutputBuffer } from '../limits.js';
import { type InflateOutput, Inflater } from './inflate.js';

const FLAG_HEADER_CRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;
const FLAG_RESERVED = 0xe0;

export interface GzipMemberHeader {
  /** Modification time (unix seconds), 0 when unset. */
  mtime: number;
  os: number;
  name?: string;
  comment?: string;
  extra?: Uint8Array;
}

/** What the gzip decoder writes to: an inflate window plus a hook that sees each member's bytes. */
export interface GzipTarget extends InflateOutput {
  /** Starts a member at the current `pos`. */
  beginMember(): void;
  /** Ends a member at the current `pos`: returns CRC-32 and size of its data. */
  endMember(): { crc: number; size: number };
}

/** Decodes every gzip member at the queue's position; returns their headers. */
export function* readGzipMembers(queue: InputQueue, target: GzipTarget): Generator<void, GzipMemberHeader[], void> {
  const headers: GzipMemberHeader[] = [];
  for (;;) {
    headers.push(yield* readMemberHeader(queue));
    target.beginMember();
    const inflater = new Inflater();
    for (;;) {
      queue.position = inflater.run(queue.bytes, queue.position, queue.end, queue.final, target, queue.base);
      if (inflater.done) break;
      if (queue.final && !queue.paused) {
        throw compressError('GZIP_TRUNCATED', 'deflate data ends early', { offset: queue.offset });
      }
      yield;
    }
    queue.position = Inflater.endPosition(queue.position, inflater.bitOffset);
    yield* need(queue, 8, 'gzip trailer');
    const trailerOffset = queue.offset;
    const storedCrc = queue.u32le();
    const storedSize = queue.u32le();
    const { crc, size } = target.endMember();
    if (storedCrc !== crc) {
      throw compressError(
        'GZIP_BAD_CHECKSUM',
        `gzip CRC-32 mismatch: trailer says 0x${storedCrc.toString(16).padStart(8, '0')}, data gives 0x${crc.toString(16).padStart(8, '0')}`,
        { offset: trailerOffset },
      );
    }
    if (storedSize !== size % 2 ** 32) {
      throw compressError('GZIP_BAD_SIZE', `gzip size mismatch: trailer says ${storedSize}, data is ${size} bytes`, {
        offset: trailerOffset + 4,
      });
    }
    if (!(yield* peekAvailable(queue, 2))) return headers;
    if (queue.bytes[queue.position] !== 0x1f || queue.bytes[queue.position + 1] !== 0x8b) return headers;
  }
}

export function* readMemberHeader(queue: InputQueue): Generator<void, GzipMemberHeader, void> {
  if (differsFromMagic(queue.bytes, queue.position, queue.end, [0x1f, 0x8b])) {
    throw compressError('GZIP_BAD_MAGIC', 'not a gzip member (expected 1f 8b)', { offset: queue.offset });
  }
  yield* need(queue, 10, 'gzip header');
  const start = queue.position;
  const headerOffset = queue.offset;
  const bytes = queue.bytes;
  if (bytes[start] !== 0x1f || bytes[start + 1] !== 0x8b) {
    throw compressError('GZIP_BAD_MAGIC', 'not a gzip member (expected 1f 8b)', { offset: headerOffset });
  }
  if (bytes[start + 2] !== 8) {
    throw compressError('GZIP_UNSUPPORTED', `gzip compression method ${bytes[start + 2]} is not deflate (8)`, {
      offset: headerOffset + 2,
    });
  }
  const flags = bytes[start + 3]!;
  if (flags & FLAG_RESERVED) {
    throw compressError('GZIP_UNSUPPORTED', `gzip header sets reserved flags 0x${flags.toString(16)}`, {
      offset: headerOffset + 3,
    });
  }
  const mtime =
    (bytes[start + 4]! | (bytes[start + 5]! << 8) | (bytes[start + 6]! << 16) | (bytes[start + 7]! << 24)) >>> 0;
  const header: GzipMemberHeader = { mtime, os: bytes[start + 9]! };
  // The header CRC covers every header byte; it is summed piece by piece as a stream may drop read bytes.
  let headerCrc = crc32(queue.take(10));
  if (flags & FLAG_EXTRA) {
    yield* need(queue, 2, 'gzip extra field length');
    const lengthBytes = queue.take(2);
    headerCrc = crc32(lengthBytes, headerCrc);
    const length = lengthBytes[0]! | (lengthBytes[1]! << 8);
    yield* need(queue, length, 'gzip extra field');
    header.extra = queue.take(length).slice();
    headerCrc = crc32(header.extra, headerCrc);
  }
  if (flags & FLAG_NAME) {
    const field = yield* readZeroTerminated(queue, 'gzip file name');
    header.name = latin1.decode(field.subarray(0, field.length - 1));
    headerCrc = crc32(field, headerCrc);
  }
  if (flags & FLAG_COMMENT) {
    const field = yield* readZeroTerminated(queue, 'gzip comment');
    header.comment = latin1.decode(field.subarray(0, field.length - 1));
    headerCrc = crc32(field, headerCrc);
  }
  if (flags & FLAG_HEADER_CRC) {
    yield* need(queue, 2, 'gzip header CRC');
    const computed = headerCrc & 0xffff;
    const crcOffset = queue.offset;
    const stored = queue.u8() | (queue.u8() << 8);
    if (stored !== computed) {
      throw compressError('GZIP_BAD_CHECKSUM', 'gzip header CRC-16 mismatch', { offset: crcOffset });
    }
  }
  return header;
}

const latin1 = new TextDecoder('latin1');

/** A NUL-terminated header field, NUL included. */
function* readZeroTerminated(queue: InputQueue, what: string): Generator<void, Uint8Array, void> {
  let length = 0;
  for (;;) {
    yield* need(queue, length + 1, what);
    if (queue.bytes[queue.position + length] === 0) break;
    length++;
  }
  return queue.take(length + 1).slice();
}

/** One-shot target: inflate writes straight into the growing output; each member's CRC is taken at its end. */
export class LinearGzipTarget implements GzipTarget {
  bytes: Uint8Array;
  pos: number;
  private memberStart = 0;

  constructor(private readonly output: OutputBuffer) {
    this.bytes = output.bytes;
    this.pos = output.length;
  }

  makeRoom(room: number): void {
    this.output.commit(this.pos);
    this.output.reserve(Math.max(room, this.output.bytes.length));
    this.bytes = this.output.bytes;
  }

  beginMember(): void {
    this.memberStart = this.pos;
  }

  endMember(): { crc: number; size: number } {
    this.output.commit(this.pos);
    return { crc: crc32(this.bytes.subarray(this.memberStart, this.pos)), size: this.pos - this.memberStart };
  }
}
