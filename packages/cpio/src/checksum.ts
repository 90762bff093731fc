/**
 * The crc format's "checksum": the 32-bit sum of every data byte of a regular file (not a CRC at all).
 * `previous` continues a sum over data that arrives in pieces.
 */
export function cpioChecksum(data: Uint8Array, previous = 0): number {
  let sum = previous;
  const length = data.length;
  let i = 0;
  // Sum in blocks small enough that the float accumulator stays exact, folding to 32 bits after each.
  while (i < length) {
    const blockEnd = Math.min(length, i + (1 << 20));
    let block = 0;
    for (; i < blockEnd; i++) block += data[i]!;
    sum = (sum + block) >>> 0;
  }
  return sum >>> 0;
}
