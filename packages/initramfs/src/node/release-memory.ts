/**
 * Inflating a member with node:zlib allocates a fresh buffer for every output chunk. V8 only collects
 * them when its external memory grows by tens of MiB, so a 90 MiB member would raise the peak by that
 * much although each chunk is dropped at once. A cheap young-generation collection every few MiB keeps
 * the peak near the live data. The collector is reached through --expose-gc set at run time; where
 * that is unavailable, nothing is done.
 */
import { memoryUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type?: 'minor' | 'major' }) => void;

let collect: Collect | null | undefined;

function collector(): Collect | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    collect = typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/**
 * A full collection runs only once array buffers have grown this much over the least seen since the
 * last one: chunks the reader held past a young collection were promoted, and only a full one frees
 * them. A fixed full collection every 8th release cost ~16 ms each (5 per 88 MiB zstd list, ~15% of
 * its CPU) whether or not anything had been promoted; libzstd and liblzma rarely leave any.
 */
const MAJOR_AFTER_GROWTH = 4 << 20;

let leastBuffers = Number.POSITIVE_INFINITY;

/** Collects the young generation (the dropped chunk wrappers and, with them, their buffers), and all of it when promoted ones pile up. */
export function releaseDroppedBuffers(): void {
  const gc = collector();
  if (!gc) return;
  gc({ type: 'minor' });
  const buffers = memoryUsage().arrayBuffers;
  leastBuffers = Math.min(leastBuffers, buffers);
  if (buffers - leastBuffers < MAJOR_AFTER_GROWTH) return;
  gc({ type: 'major' });
  leastBuffers = memoryUsage().arrayBuffers;
}
