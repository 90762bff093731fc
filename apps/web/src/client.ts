/**
 * The page's side of the worker: requests as promises, progress callbacks, and cancel (terminate the
 * worker and start a fresh one; whatever it had opened is gone).
 */
import type { TreeDiff } from '@initkit/initramfs';
import type { ErrorReport, Inspection } from './inspect.js';
import type { Reply, Request, Slot } from './protocol.js';

export class WorkerError extends Error {
  constructor(readonly report: ErrorReport) {
    super(report.message);
  }
}

type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void };
type Progress = (stage: string, done: number, total: number) => void;
/** A request before the client numbers it (Omit over each member of the union). */
type Unnumbered = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

export class DecoderClient {
  private worker = this.start();
  private next = 1;
  private pending = new Map<number, Pending>();
  private failure: ErrorReport | undefined;
  onProgress: Progress = () => {};

  private start(): Worker {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<Reply>) => this.receive(event.data);
    // A worker that fails to load (or dies) answers nothing: fail what waits and what comes later.
    worker.onerror = (event) => {
      this.failure = {
        code: 'WEB_WORKER_FAILED',
        message: `the decoding worker failed: ${event.message || 'it did not start'}`,
      };
      for (const pending of this.pending.values()) pending.reject(new WorkerError(this.failure));
      this.pending.clear();
    };
    return worker;
  }

  private receive(reply: Reply): void {
    if (reply.type === 'progress') {
      this.onProgress(reply.stage, reply.done, reply.total);
      return;
    }
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.type === 'error') pending.reject(new WorkerError(reply.error));
    else pending.resolve(reply);
  }

  private ask<T extends Reply['type']>(request: Unnumbered, expect: T): Promise<Extract<Reply, { type: T }>> {
    const id = this.next++;
    if (this.failure) return Promise.reject(new WorkerError(this.failure));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (reply) => resolve(reply as Extract<Reply, { type: T }>), reject });
      this.worker.postMessage({ ...request, id } as Request);
    }).then((reply) => {
      if ((reply as Reply).type !== expect)
        throw new Error(`worker answered ${(reply as Reply).type}, expected ${expect}`);
      return reply as Extract<Reply, { type: T }>;
    });
  }

  async open(slot: Slot, file: File): Promise<Inspection> {
    return (await this.ask({ type: 'open', slot, file }, 'opened')).inspection;
  }

  async read(slot: Slot, path: string): Promise<Uint8Array> {
    return (await this.ask({ type: 'read', slot, path }, 'file')).bytes;
  }

  async diff(): Promise<TreeDiff> {
    return (await this.ask({ type: 'diff' }, 'diff')).diff;
  }

  /** Stops whatever the worker is doing; pending requests fail with WEB_CANCELLED. */
  cancel(): void {
    this.worker.terminate();
    for (const pending of this.pending.values()) {
      pending.reject(new WorkerError({ code: 'WEB_CANCELLED', message: 'cancelled: the decoding worker was stopped' }));
    }
    this.pending.clear();
    this.failure = undefined;
    this.worker = this.start();
  }
}
