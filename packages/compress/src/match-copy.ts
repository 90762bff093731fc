/**
 * The LZ77 match copy shared by the lz4 and zstd decoders: `length` bytes from `offset` bytes back, where
 * the source may overlap the destination (a run repeating the last `offset` bytes).
 */

/** Matches shorter than this are copied byte by byte. */
const SHORT_MATCH = 24;

/** Copies the match to `out[op..]`; returns the new output position. Writes nothing past the copy. */
export function copyMatch(out: Uint8Array, op: number, offset: number, length: number): number {
  let src = op - offset;
  const shortMatch = SHORT_MATCH;
  if (length < shortMatch) {
    const stop = op + length;
    while (op < stop) out[op++] = out[src++]!;
    return op;
  }
  if (offset >= length) {
    out.copyWithin(op, src, src + length);
    return op + length;
  }
  // Overlapping: [origin, op) repeats with period `offset`. Byte-copy until that run is a multiple of the
  // period and at least 16 bytes, then double it with copyWithin (each copy starts at the same phase).
  const origin = src;
  const stop = op + length;
  if (offset < 16) {
    const first = op + offset * Math.ceil(16 / offset) - offset;
    while (op < first) out[op++] = out[src++]!;
  }
  while (op < stop) {
    const count = Math.min(op - origin, stop - op);
    out.copyWithin(op, origin, origin + count);
    op += count;
  }
  return op;
}
