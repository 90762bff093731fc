/**
 * CRC-64 as xz computes it (ECMA-182 polynomial, reflected: 0xC96C5795D7870F42; init and final XOR all
 * ones). BigInt is far too slow for a hot loop, so the 64-bit state is kept as two 32-bit halves and
 * eight bytes are folded per step (slicing-by-8).
 */
const POLY_HIGH = 0xc96c5795;
const POLY_LOW = 0xd7870f42;
const SLICES = 8;

/** The high and low halves of the SLICES tables, built at the first checksum (crc32.ts says why). */
const HIGH = new Int32Array(SLICES * 256);
const LOW = new Int32Array(SLICES * 256);
let built = false;

function buildTables(): void {
  built = true;
  for (let byte = 0; byte < 256; byte++) {
    let high = 0;
    let low = byte;
    for (let bit = 0; bit < 8; bit++) {
      const carry = low & 1;
      low = (low >>> 1) | ((high & 1) << 31);
      high >>>= 1;
      if (carry) {
        high ^= POLY_HIGH;
        low ^= POLY_LOW;
      }
    }
    HIGH[byte] = high;
    LOW[byte] = low;
  }
  for (let slice = 1; slice < SLICES; slice++) {
    for (let byte = 0; byte < 256; byte++) {
      const high = HIGH[(slice - 1) * 256 + byte]!;
      const low = LOW[(slice - 1) * 256 + byte]!;
      const index = low & 0xff;
      HIGH[slice * 256 + byte] = (high >>> 8) ^ HIGH[index]!;
      LOW[slice * 256 + byte] = ((low >>> 8) | (high << 24)) ^ LOW[index]!;
    }
  }
}

/**
 * CRC-64/XZ of `data`, continuing from `previous` (0n to start). Returns an unsigned 64-bit bigint.
 */
export function crc64(data: Uint8Array, previous = 0n): bigint {
  if (!built) buildTables();
  let high = ~Number((previous >> 32n) & 0xffffffffn);
  let low = ~Number(previous & 0xffffffffn);
  const H = HIGH;
  const L = LOW;
  let i = 0;
  const length = data.length;
  const fastEnd = length - (length % SLICES);
  while (i < fastEnd) {
    const a = low ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const b = high ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
    const i7 = 0x700 + (a & 0xff);
    const i6 = 0x600 + ((a >>> 8) & 0xff);
    const i5 = 0x500 + ((a >>> 16) & 0xff);
    const i4 = 0x400 + (a >>> 24);
    const i3 = 0x300 + (b & 0xff);
    const i2 = 0x200 + ((b >>> 8) & 0xff);
    const i1 = 0x100 + ((b >>> 16) & 0xff);
    const i0 = b >>> 24;
    high = H[i7]! ^ H[i6]! ^ H[i5]! ^ H[i4]! ^ H[i3]! ^ H[i2]! ^ H[i1]! ^ H[i0]!;
    low = L[i7]! ^ L[i6]! ^ L[i5]! ^ L[i4]! ^ L[i3]! ^ L[i2]! ^ L[i1]! ^ L[i0]!;
    i += SLICES;
  }
  while (i < length) {
    const index = (low ^ data[i++]!) & 0xff;
    low = ((low >>> 8) | (high << 24)) ^ L[index]!;
    high = (high >>> 8) ^ H[index]!;
  }
  return (BigInt(~high >>> 0) << 32n) | BigInt(~low >>> 0);
}
