/**
 * A full garbage collection at the points where large buffers just became garbage (the TFTP blocks
 * after the fetch, the provider initrd after the build). V8 frees ArrayBuffer memory only when it
 * collects, and a short run allocates too little JavaScript heap to trigger that: without these calls
 * the fetched, inflated and re-read buffers were all alive at the kexec plan (peak RSS 106 MiB against
 * 74 MiB for a 10 MiB provider initrd, measured with bench/archkernel.bench.ts).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type?: 'minor' | 'major' }) => void;

let gc: Collect | undefined;

function collector(): Collect {
  if (!gc) {
    // --expose-gc set at run time makes `gc` available to contexts created afterwards.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Collect;
  }
  return gc;
}

/** A full collection, or with `{ type: 'minor' }` only the young generation's (cheap). */
export function collectGarbage(options?: { type: 'minor' | 'major' }): void {
  collector()(options);
}

/**
 * A collection each time `bytes` more have gone by: young-generation by default. Each decoded chunk of
 * the kernel is garbage once searched, but V8 keeps its buffer until external memory has grown by tens
 * of MiB: with the Debian armmp zImage the first boot peaked at 97.7-99.3 MiB without these, 86.1-87.7
 * with one per MiB (86.3-88.1 when the whole kernel was decoded at once), at no time cost beyond noise.
 */
export function collectionEvery(bytes: number, type: 'minor' | 'major' = 'minor'): (done: number) => void {
  let next = bytes;
  return (done) => {
    // A count that starts again (the next member of an initrd) starts the interval again.
    if (done < next - bytes) next = done + bytes;
    if (done < next) return;
    next = done + bytes;
    collector()(type === 'minor' ? { type } : undefined);
  };
}

/** `collectionEvery` of the young generation (the name the callers read best). */
export const youngCollectionEvery = (bytes: number) => collectionEvery(bytes, 'minor');

/**
 * While `work` runs, a young-generation collection whenever external memory (buffers outside the V8
 * heap) has grown by `bytes` since the last look, looked at every `intervalMs`. For loops this app does
 * not drive: walking the provider's archive skips a large file's inflated chunks without a callback
 * between them, and they piled up (+9 MiB RSS on the bench's provider) before V8 collected them.
 */
export async function collectingWhile<T>(work: () => Promise<T>, bytes: number, intervalMs: number): Promise<T> {
  let seen = getHeapStatistics().external_memory;
  const timer = setInterval(() => {
    const now = getHeapStatistics().external_memory;
    if (now - seen < bytes) {
      seen = Math.min(seen, now);
      return;
    }
    collector()({ type: 'minor' });
    seen = getHeapStatistics().external_memory;
  }, intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
