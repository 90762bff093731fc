/**
 * Synthetic ARM zImages for the unit tests: the header words the loaders read (magic at 0x24, start,
 * end, endian, magic2 and the extension-tag offset) and, optionally, a KLSZ tag whose size pointer
 * names a word holding the decompressed text+data size, laid out as the kernel's head.S lays it out.
 */
export interface SyntheticZImage {
  length: number;
  /** A KLSZ tag: the decompressed text+data size and the bss size. */
  klsz?: { dataSize: number; bssSize: number };
  /** Bytes appended after the zImage (e.g. a DTB). */
  appended?: number;
}

export function syntheticZImage({ length, klsz, appended = 0 }: SyntheticZImage): Uint8Array {
  const bytes = new Uint8Array(length + appended);
  const view = new DataView(bytes.buffer);
  view.setUint32(0x24, 0x016f2818, true);
  view.setUint32(0x28, 0, true);
  view.setUint32(0x2c, length, true);
  view.setUint32(0x30, 0x04030201, true);
  view.setUint32(0x34, 0x45454545, true);
  view.setUint32(0x38, 0x40, true);
  if (klsz) {
    // The size word sits 4 bytes before the end of the zImage, as the kernel's piggy trailer does.
    const sizePointer = length - 4;
    view.setUint32(0x40, 4, true); // 4 words: size, tag, size_ptr, bss
    view.setUint32(0x44, 0x5a534c4b, true);
    view.setUint32(0x48, sizePointer, true);
    view.setUint32(0x4c, klsz.bssSize, true);
    view.setUint32(0x50, 0, true); // end of tags
    view.setUint32(sizePointer, klsz.dataSize, true);
  }
  return bytes;
}
