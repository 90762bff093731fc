/**
 * The decoding worker: reads a dropped file (reporting progress), inspects it with the isomorphic
 * packages, keeps the opened initrds for file contents and diffs, and answers with plain data. The page
 * cancels by terminating it, which stops a decode wherever it is.
 */
import { InitkitError } from '@initkit/core';
import { diffTrees, type Initrd } from '@initkit/initramfs';
import { errorReport, inspect, plainJson } from './inspect.js';
import type { Reply, Request, Slot } from './protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Reply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
const opened = new Map<Slot, Initrd | undefined>();
/** The first slot's parts (decoded data, uImage files), by key. */
let parts = new Map<string, Uint8Array>();

function post(message: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** The file's bytes, read in the pieces the browser gives, with progress. */
async function readAll(id: number, file: File): Promise<Uint8Array> {
  const bytes = new Uint8Array(file.size);
  const reader = file.stream().getReader();
  let done = 0;
  let reported = 0;
  for (;;) {
    const step = await reader.read();
    if (step.done) break;
    bytes.set(step.value, done);
    done += step.value.length;
    if (done - reported >= 1 << 20) {
      reported = done;
      post({ type: 'progress', id, stage: 'reading', done, total: file.size });
    }
  }
  post({ type: 'progress', id, stage: 'decoding', done, total: file.size });
  return bytes;
}

function initrdIn(slot: Slot): Initrd {
  const initrd = opened.get(slot);
  if (!initrd) {
    throw new InitkitError(
      'WEB_NOT_AN_INITRD',
      `expected an initrd in the ${slot === 'a' ? 'first' : 'second'} slot, found ${opened.has(slot) ? 'another kind of file' : 'nothing opened'}`,
    );
  }
  return initrd;
}

async function handle(request: Request): Promise<void> {
  if (request.type === 'open') {
    opened.delete(request.slot);
    if (request.slot === 'a') parts = new Map();
    const bytes = await readAll(request.id, request.file);
    const { size } = request.file;
    const result = inspect(request.file.name, bytes, (stage) =>
      post({ type: 'progress', id: request.id, stage, done: size, total: size }),
    );
    const { inspection, initrd } = result;
    opened.set(request.slot, initrd);
    if (request.slot === 'a') parts = result.parts ?? new Map();
    post({ type: 'opened', id: request.id, inspection });
  } else if (request.type === 'read' && request.slot === 'a' && parts.has(request.path)) {
    const bytes = parts.get(request.path)!.slice();
    post({ type: 'file', id: request.id, path: request.path, bytes }, [bytes.buffer]);
  } else if (request.type === 'read') {
    const node = initrdIn(request.slot).tree.lookup(request.path);
    if (!node) throw new InitkitError('INITRAMFS_NOT_FOUND', `${request.path}: no such file in the initrd`);
    const bytes = (node.inode.data ?? new Uint8Array(0)).slice();
    post({ type: 'file', id: request.id, path: request.path, bytes }, [bytes.buffer]);
  } else {
    post({ type: 'diff', id: request.id, diff: plainJson(diffTrees(initrdIn('a').tree, initrdIn('b').tree)) });
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch((error: unknown) => post({ type: 'error', id: event.data.id, error: errorReport(error) }));
};
