/**
 * A growable output buffer with big- and little-endian writers, padding and alignment. Doubles its
 * storage as needed so writing N bytes costs O(N); `finish()` returns a view of exactly what was written.
 */
const utf8 = new TextEncoder();

export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  /** Number of bytes written so far. */
  length = 0;

  constructor(initialCapacity = 4096) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  u16be(value: number): this {
    this.reserve(2);
    this.view.setUint16(this.length, value, false);
    this.length += 2;
    return this;
  }

  u16le(value: number): this {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
    return this;
  }

  u32be(value: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, value >>> 0, false);
    this.length += 4;
    return this;
  }

  u32le(value: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, value >>> 0, true);
    this.length += 4;
    return this;
  }

  u64le(value: bigint | number): this {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
    return this;
  }

  u64be(value: bigint | number): this {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), false);
    this.length += 8;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** Writes a string as Latin-1 (one byte per char code; callers pass ASCII such as magics and hex). */
  ascii(text: string): this {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.length++] = text.charCodeAt(i) & 0xff;
    return this;
  }

  utf8(text: string): this {
    return this.bytes(utf8.encode(text));
  }

  /** Writes `count` zero bytes. */
  zeros(count: number): this {
    this.reserve(count);
    this.buffer.fill(0, this.length, this.length + count);
    this.length += count;
    return this;
  }

  /** Pads with zeros to the next multiple of `alignment`. */
  align(alignment: number): this {
    const misalignment = this.length % alignment;
    return misalignment === 0 ? this : this.zeros(alignment - misalignment);
  }

  /** Overwrites a big-endian u32 at an earlier position (for headers whose CRC comes last). */
  patchU32be(position: number, value: number): this {
    this.view.setUint32(position, value >>> 0, false);
    return this;
  }

  /** A view of the bytes written so far (shares storage with the writer). */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

export function encodeUtf8(text: string): Uint8Array {
  return utf8.encode(text);
}
