/** Types for LZMA-JS's worker module (the `lzma` package ships none). */
declare module 'lzma/src/lzma_worker.js' {
  interface LzmaJs {
    /** Synchronous when no callbacks are passed: returns signed bytes of a .lzma stream. */
    compress(data: Uint8Array | number[], mode: number): number[];
    /** Synchronous when no callbacks are passed: returns bytes, or a string for text. */
    decompress(data: Uint8Array | number[]): number[] | string;
  }
  const worker: { LZMA: LzmaJs; LZMA_WORKER: LzmaJs };
  export default worker;
}
