/**
 * A cursor over a Uint8Array that checks bounds before every read. A read past the end throws
 * InitkitError with the reader's `truncatedCode` and the absolute offset, so each format gets its own
 * code (CPIO_TRUNCATED, UIMAGE_TRUNCATED, ...) without writing bounds checks again.
 */
import { InitkitError } from './errors.js';

export interface ByteReaderOptions {
  /** Error code for reads past the end, e.g. 'CPIO_TRUNCATED'. */
  truncatedCode?: string;
  /** Offset of `bytes[0]` in the whole input, so errors report absolute positions. */
  baseOffset?: number;
  /** What is being read, used in truncation messages ("cpio header", "uImage header"). */
  what?: string;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly truncatedCode: string;
  readonly baseOffset: number;
  readonly what: string;
  /** Position of the next read, relative to `bytes`. */
  position = 0;

  constructor(bytes: Uint8Array, options: ByteReaderOptions = {}) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.truncatedCode = options.truncatedCode ?? 'BYTES_TRUNCATED';
    this.baseOffset = options.baseOffset ?? 0;
    this.what = options.what ?? 'input';
  }

  get length(): number {
    return this.bytes.length;
  }

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  /** Absolute offset of the cursor in the whole input. */
  get offset(): number {
    return this.baseOffset + this.position;
  }

  /** Throws the truncation error unless `count` bytes are available at `at` (default: the cursor). */
  need(count: number, what: string = this.what, at: number = this.position): void {
    if (count < 0 || at < 0 || at + count > this.bytes.length) {
      const available = Math.max(0, this.bytes.length - at);
      throw new InitkitError(this.truncatedCode, `${what}: needed ${count} bytes but only ${available} remain`, {
        offset: this.baseOffset + at,
      });
    }
  }

  seek(position: number): this {
    if (position < 0 || position > this.bytes.length) this.need(position - this.position, 'seek');
    this.position = position;
    return this;
  }

  skip(count: number, what?: string): this {
    this.need(count, what);
    this.position += count;
    return this;
  }

  /** Advances the cursor to the next multiple of `alignment` (relative to the start of `bytes`). */
  align(alignment: number, what = 'padding'): this {
    const misalignment = this.position % alignment;
    return misalignment === 0 ? this : this.skip(alignment - misalignment, what);
  }

  u8(what?: string): number {
    this.need(1, what);
    return this.bytes[this.position++] as number;
  }

  u16be(what?: string): number {
    this.need(2, what);
    const value = this.view.getUint16(this.position, false);
    this.position += 2;
    return value;
  }

  u16le(what?: string): number {
    this.need(2, what);
    const value = this.view.getUint16(this.position, true);
    this.position += 2;
    return value;
  }

  u32be(what?: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.position, false);
    this.position += 4;
    return value;
  }

  u32le(what?: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.position, true);
    this.position += 4;
    return value;
  }

  u64be(what?: string): bigint {
    this.need(8, what);
    const value = this.view.getBigUint64(this.position, false);
    this.position += 8;
    return value;
  }

  u64le(what?: string): bigint {
    this.need(8, what);
    const value = this.view.getBigUint64(this.position, true);
    this.position += 8;
    return value;
  }

  /** `count` bytes as a zero-copy view into the input. */
  bytesView(count: number, what?: string): Uint8Array {
    this.need(count, what);
    const view = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return view;
  }

  /** `count` bytes decoded as Latin-1 (one char per byte: magics, hex fields). */
  latin1(count: number, what?: string): string {
    return latin1.decode(this.bytesView(count, what));
  }

  /** `count` bytes decoded as UTF-8 (names). */
  utf8(count: number, what?: string): string {
    return utf8.decode(this.bytesView(count, what));
  }

  /** Peeks a byte without moving the cursor; undefined past the end. */
  peek(at: number = this.position): number | undefined {
    return this.bytes[at];
  }
}

/** Decodes bytes as UTF-8 (replacing invalid sequences). */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Decodes bytes as Latin-1: each byte one character, reversible. */
export function decodeLatin1(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}
