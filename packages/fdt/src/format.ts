/**
 * The flattened device tree layout (devicetree specification v0.4, chapter 5; dtc 1.6's flattree.c):
 *
 *   header      ten big-endian u32 (nine before version 17), 40 bytes
 *   rsvmap      at ALIGN(header, 8): (u64 address, u64 size) entries, ended by an entry of size 0
 *   struct      tokens: BEGIN_NODE name\0 pad4 | PROP len nameoff value pad4 | END_NODE | NOP | END
 *   strings     property names, NUL-terminated, referenced by offset; no padding after them
 */
export const FDT_MAGIC = 0xd00dfeed;
export const FDT_HEADER_SIZE = 40;
/** Version 16 headers lack size_dt_struct. */
export const FDT_V16_HEADER_SIZE = 36;
export const FDT_RESERVATION_SIZE = 16;

export enum Token {
  BeginNode = 1,
  EndNode = 2,
  Prop = 3,
  Nop = 4,
  End = 9,
}

/** Rounds up to the structure block's 4-byte alignment. */
export function align4(value: number): number {
  return (value + 3) & ~3;
}
