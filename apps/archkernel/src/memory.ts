/**
 * A full garbage collection at the points where large buffers just became garbage (the TFTP blocks
 * after the fetch, the provider initrd after the build). V8 frees ArrayBuffer memory only when it
 * collects, and a short run allocates too little JavaScript heap to trigger that: without these calls
 * the fetched, inflated and re-read buffers were all alive at the kexec plan (peak RSS 106 MiB against
 * 74 MiB for a 10 MiB provider initrd, measured with bench/archkernel.bench.ts).
 */
import { setFlagsFromString } from 'node:v8';
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

export function collectGarbage(): void {
  collector()();
}

/**
 * A young-generation collection each time `bytes` more have gone by. Each decoded chunk of the kernel is
 * garbage once searched, but V8 keeps its buffer until external memory has grown by tens of MiB: with the
 * Debian armmp zImage the first boot peaked at 97.7-99.3 MiB without these, 86.1-87.7 with one per MiB
 * (86.3-88.1 when the whole kernel was decoded at once), at no time cost beyond noise.
 */
export function youngCollectionEvery(bytes: number): (done: number) => void {
  let next = bytes;
  return (done) => {
    if (done < next) return;
    next = done + bytes;
    collector()({ type: 'minor' });
  };
}
