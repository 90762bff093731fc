/** The messages between the page and its decoding worker (structured-clone data only). */
import type { TreeDiff } from '@initkit/initramfs';
import type { ErrorReport, Inspection } from './inspect.js';

/** Two documents can be open at once: the one shown, and the one it is compared with. */
export type Slot = 'a' | 'b';

export type Request =
  | { type: 'open'; id: number; slot: Slot; file: File }
  | { type: 'read'; id: number; slot: Slot; path: string }
  | { type: 'diff'; id: number };

export type Reply =
  | { type: 'progress'; id: number; stage: string; done: number; total: number }
  | { type: 'opened'; id: number; inspection: Inspection }
  | { type: 'file'; id: number; path: string; bytes: Uint8Array }
  | { type: 'diff'; id: number; diff: TreeDiff }
  | { type: 'error'; id: number; error: ErrorReport };
