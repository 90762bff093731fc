/**
 * .lzma (LZMA-alone) encoding through LZMA-JS, the one LZMA encoder on npm with no native code. It is
 * slow (a plain-JS port) but its output is standard: xz, the kernel and our decoder all read it.
 */
import lzmaWorker from 'lzma/src/lzma_worker.js';

export function encodeLzmaAlone(bytes: Uint8Array, level: number): Uint8Array {
  const signed = lzmaWorker.LZMA.compress(bytes, level);
  return Uint8Array.from(signed);
}
