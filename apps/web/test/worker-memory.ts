/**
 * The decoding worker's memory, read through the Chrome DevTools Protocol: the page's CDP session
 * auto-attaches to its dedicated workers (non-flattened, so messages go through
 * Target.sendMessageToTarget) and asks Runtime.getHeapUsage, whose figures count the V8 heap and the
 * backing stores of ArrayBuffers (where file bytes and decoded data live).
 */
import type { CDPSession, Page } from 'playwright-core';

export interface HeapUsage {
  /** Live JavaScript objects. */
  usedSize: number;
  /** ArrayBuffer backing stores and external strings. */
  backingStorageSize: number;
}

export interface WorkerMemory {
  /** The current worker's heap and array buffers (after a full GC when `collect`). */
  usage(collect?: boolean): Promise<HeapUsage>;
  close(): Promise<void>;
}

export async function watchWorkerMemory(page: Page): Promise<WorkerMemory> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  let workerSession: string | undefined;
  let next = 1;
  type Answer = { id?: number; result?: unknown; error?: { message: string } };
  const pending = new Map<number, (message: Answer) => void>();
  cdp.on('Target.attachedToTarget', (event) => {
    if (event.targetInfo.type === 'worker') workerSession = event.sessionId;
  });
  cdp.on('Target.detachedFromTarget', (event) => {
    if (event.sessionId === workerSession) workerSession = undefined;
  });
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const message = JSON.parse(event.message) as Answer;
    if (message.id === undefined) return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });

  async function send<T>(method: string, params: object = {}): Promise<T> {
    for (let waited = 0; !workerSession; waited += 50) {
      if (waited > 30_000) throw new Error('no decoding worker attached to the page within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const id = next++;
    const answer = new Promise<Answer>((resolve) => pending.set(id, resolve));
    await cdp.send('Target.sendMessageToTarget', {
      sessionId: workerSession,
      message: JSON.stringify({ id, method, params }),
    });
    const message = await answer;
    if (message.error) throw new Error(`${method}: ${message.error.message}`);
    return message.result as T;
  }

  return {
    async usage(collect = false) {
      if (collect) await send('HeapProfiler.collectGarbage');
      const usage = await send<HeapUsage>('Runtime.getHeapUsage');
      return { usedSize: usage.usedSize, backingStorageSize: usage.backingStorageSize };
    },
    close: () => cdp.detach(),
  };
}

/** Samples the worker's memory every `intervalMs` until `until` settles; the largest total seen. */
export async function peakWhile(memory: WorkerMemory, until: Promise<unknown>, intervalMs = 100) {
  let settled = false;
  const done = until.finally(() => {
    settled = true;
  });
  let peak = 0;
  let samples = 0;
  while (!settled) {
    try {
      const usage = await memory.usage();
      peak = Math.max(peak, usage.usedSize + usage.backingStorageSize);
      samples++;
    } catch {
      // The worker may be between a terminate and its successor.
    }
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, intervalMs))]);
  }
  await done;
  return { peak, samples };
}
