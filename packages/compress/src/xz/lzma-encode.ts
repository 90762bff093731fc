/**
 * .lzma (LZMA-alone) encoding through LZMA-JS, the one LZMA encoder on npm with no native code. It is
 * slow (a plain-JS port) but its output is standard: xz, the kernel and our decoder all read it.
 */
import lzmaWorker from 'lzma/src/lzma_worker.js';

export function encodeLzmaAlone(bytes: Uint8Array, level: number): Uint8Array {
  // The header records the size, so no end-of-payload marker: LZMA-JS writes one unless told not to,
  // and the kernel's unlzma stops at the recorded size and takes the marker for the start of another
  // archive ("Initramfs unpacking failed: invalid magic at start of compressed archive").
  lzmaWorker.LZMA.disableEndMark = true;
  const signed = lzmaWorker.LZMA.compress(bytes, level);
  return Uint8Array.from(signed);
}
