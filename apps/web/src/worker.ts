/**
 * The decoding worker: opens a dropped file (reporting progress by bytes read), inspects it with the
 * isomorphic packages, keeps the opened initrds' metadata (their contents are read back from the File
 * on demand) for previews and diffs, and answers with plain data. The page cancels by terminating it,
 * which stops a decode wherever it is.
 */
import { InitkitError } from '@initkit/core';
import { errorReport, inspect, plainJson } from './inspect.js';
import type { Reply, Request, Slot } from './protocol.js';
import {
  diffStreamed,
  fileSource,
  mayBeInitrd,
  openStreamedInitrd,
  readTreeFile,
  type StreamedInitrd,
  streamedInspection,
} from './streamed-initrd.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Reply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
const opened = new Map<Slot, StreamedInitrd | undefined>();
/** The first slot's parts (decoded data, uImage files) of a file read whole, by key. */
let parts = new Map<string, Uint8Array>();

function post(message: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** Progress messages at most every mebibyte (and at the end of each stage). */
function progressReporter(id: number) {
  let reported = -1;
  let stage = '';
  return (next: string, done: number, total: number) => {
    if (next === stage && done < total && done - reported < 1 << 20) return;
    stage = next;
    reported = done;
    post({ type: 'progress', id, stage: next, done, total });
  };
}

/** A file that is not an initrd (a kernel, a module, a device tree...), read whole, with progress. */
async function readAll(file: File, progress: (stage: string, done: number, total: number) => void) {
  const bytes = new Uint8Array(file.size);
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const step = await reader.read();
    if (step.done) break;
    bytes.set(step.value, done);
    done += step.value.length;
    progress('reading', done, file.size);
  }
  return bytes;
}

function initrdIn(slot: Slot): StreamedInitrd {
  const initrd = opened.get(slot);
  if (!initrd) {
    throw new InitkitError(
      'WEB_NOT_AN_INITRD',
      `expected an initrd in the ${slot === 'a' ? 'first' : 'second'} slot, found ${opened.has(slot) ? 'another kind of file' : 'nothing opened'}`,
    );
  }
  return initrd;
}

async function open(id: number, slot: Slot, file: File): Promise<void> {
  opened.delete(slot);
  if (slot === 'a') parts = new Map();
  const progress = progressReporter(id);
  const onStage = (stage: string) => post({ type: 'progress', id, stage, done: file.size, total: file.size });
  const source = fileSource(file);
  if (mayBeInitrd(file.name, source)) {
    const streamed = await openStreamedInitrd(source, progress);
    if (streamed) {
      opened.set(slot, streamed);
      post({ type: 'opened', id, inspection: streamedInspection(file.name, streamed, onStage) });
      return;
    }
  }
  const result = inspect(file.name, await readAll(file, progress), onStage);
  opened.set(slot, undefined);
  if (slot === 'a') parts = result.parts ?? new Map();
  post({ type: 'opened', id, inspection: result.inspection });
}

async function handle(request: Request): Promise<void> {
  if (request.type === 'open') {
    await open(request.id, request.slot, request.file);
  } else if (request.type === 'read' && request.slot === 'a' && parts.has(request.path)) {
    const bytes = parts.get(request.path)!.slice();
    post({ type: 'file', id: request.id, path: request.path, bytes }, [bytes.buffer]);
  } else if (request.type === 'read') {
    const bytes = await readTreeFile(initrdIn(request.slot), request.path);
    post({ type: 'file', id: request.id, path: request.path, bytes }, [bytes.buffer]);
  } else {
    post({ type: 'diff', id: request.id, diff: plainJson(await diffStreamed(initrdIn('a'), initrdIn('b'))) });
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch((error: unknown) => post({ type: 'error', id: event.data.id, error: errorReport(error) }));
};
