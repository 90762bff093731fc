/** Types for LZMA-JS's worker module (the `lzma` package ships none). */
declare module 'lzma/src/lzma_worker.js' {
  interface LzmaJs {
    /** Synchronous when no callbacks are passed: returns signed bytes of a .lzma stream. */
    compress(data: Uint8Array | number[], mode: number): number[];
    /** Synchronous when no callbacks are passed: returns bytes, or a string for text. */
    decompress(data: Uint8Array | number[]): number[] | string;
    /** When set (to anything), compress writes no end-of-payload marker after the recorded size. */
    disableEndMark?: boolean;
  }
  const worker: { LZMA: LzmaJs; LZMA_WORKER: LzmaJs };
  export default worker;
}
