/**
 * How dtc guesses a blob value's form when printing DTS (treesource.c guess_value_type): a string list
 * when it ends in NUL, every byte is printable, NUL or one of \a..\r, and NULs are no more than the
 * other bytes; else u32 cells when the length is a multiple of 4; else bytes.
 */
export type FdtValueKind = 'empty' | 'strings' | 'cells' | 'bytes';

export function formatValueKind(value: Uint8Array): FdtValueKind {
  const length = value.length;
  if (length === 0) return 'empty';
  let nuls = 0;
  for (let index = 0; index < length; index++) {
    const byte = value[index]!;
    if (byte === 0) nuls++;
    else if (!((byte >= 0x20 && byte <= 0x7e) || (byte >= 7 && byte <= 13)))
      return length % 4 === 0 ? 'cells' : 'bytes';
  }
  if (value[length - 1] === 0 && nuls <= length - nuls) return 'strings';
  return length % 4 === 0 ? 'cells' : 'bytes';
}
