/**
 * The inspector page: open a file (picker or drag-and-drop), let the worker decode it with progress and
 * a cancel button, and render what it found. `window.__initkit` holds the last inspection, error and
 * diff exactly as rendered, so the browser test can compare them with the CLI's `--json`.
 */

import type { TreeDiff } from '@initkit/initramfs';
import { DecoderClient, WorkerError } from './client.js';
import { append, el, humanSize } from './dom.js';
import type { ErrorReport, Inspection } from './inspect.js';
import { diffElement } from './views/diff.js';
import { analysisElement, membersElement, treeElement } from './views/initrd.js';
import {
  bootscriptElement,
  compressionElement,
  fdtElement,
  kernelElement,
  kmodElement,
  partsElement,
  uimageElement,
} from './views/sections.js';

type State = 'idle' | 'busy' | 'done' | 'error';

interface PageState {
  state: State;
  inspection: Inspection | undefined;
  error: ErrorReport | undefined;
  diff: TreeDiff | undefined;
}

declare global {
  interface Window {
    __initkit: PageState;
  }
}

const page: PageState = { state: 'idle', inspection: undefined, error: undefined, diff: undefined };
window.__initkit = page;

const client = new DecoderClient();
const picker = document.querySelector<HTMLInputElement>('#file')!;
const comparePicker = document.querySelector<HTMLInputElement>('#compare')!;
const dropZone = document.querySelector<HTMLElement>('#drop')!;
const status = document.querySelector<HTMLElement>('#status')!;
const progress = document.querySelector<HTMLProgressElement>('#progress')!;
const cancel = document.querySelector<HTMLButtonElement>('#cancel')!;
const results = document.querySelector<HTMLElement>('#results')!;

function setState(state: State, text: string): void {
  page.state = state;
  document.body.dataset.state = state;
  status.textContent = text;
  const busy = state === 'busy';
  cancel.hidden = !busy;
  progress.hidden = !busy;
  picker.disabled = busy;
  comparePicker.disabled = busy || page.inspection?.initrd === undefined;
}

/** Stages that count bytes of the file: reading it whole, checking a uImage's CRC, decoding its members. */
const BYTE_STAGES = new Set(['reading', 'checking', 'decoding']);

client.onProgress = (stage, done, total) => {
  const counted = BYTE_STAGES.has(stage);
  progress.max = total || 1;
  progress.value = counted ? done : total;
  progress.dataset.done = String(done);
  status.textContent = counted ? `${stage}: ${humanSize(done)} of ${humanSize(total)}` : `${stage}…`;
};

function showError(error: unknown): void {
  const report: ErrorReport =
    error instanceof WorkerError
      ? error.report
      : { code: 'WEB_INTERNAL', message: error instanceof Error ? error.message : String(error) };
  page.error = report;
  results.replaceChildren(
    el(
      'section',
      { id: 'error', class: 'panel error', 'data-error-code': report.code },
      el('h2', {}, 'This file could not be read'),
      el(
        'p',
        {},
        el('code', { id: 'error-code' }, report.code),
        ' ',
        el('span', { id: 'error-message' }, report.message),
      ),
      report.offset === undefined ? null : el('p', {}, `at offset ${report.offset} (0x${report.offset.toString(16)})`),
    ),
  );
  setState('error', `${report.code}: ${report.message}`);
}

function render(inspection: Inspection): void {
  const parts: HTMLElement[] = [
    el(
      'header',
      { class: 'file-summary', 'data-kind': inspection.kind },
      el('h2', {}, inspection.name),
      el('p', {}, `${inspection.summary} · ${inspection.size} bytes (${humanSize(inspection.size)})`),
    ),
  ];
  if (inspection.kernel) parts.push(kernelElement(inspection.kernel));
  if (inspection.bootscript) parts.push(bootscriptElement(inspection.bootscript));
  if (inspection.uimage) parts.push(uimageElement(inspection.uimage));
  if (inspection.initrd) {
    parts.push(membersElement(inspection.initrd), analysisElement(inspection.initrd));
    parts.push(
      treeElement(inspection.initrd, {
        read: (path) => client.read('a', path),
        inspect: (name, bytes) => void open(new File([bytes as BlobPart], name)),
      }),
    );
  }
  if (inspection.fdt) parts.push(fdtElement(inspection.fdt));
  if (inspection.kmod) parts.push(kmodElement(inspection.kmod));
  if (inspection.compression) parts.push(compressionElement(inspection.compression, inspection.size));
  if (inspection.parts) parts.push(partsElement(inspection.parts, { read: (key) => client.read('a', key) }));
  results.replaceChildren(...parts);
}

async function open(file: File): Promise<void> {
  page.inspection = undefined;
  page.error = undefined;
  page.diff = undefined;
  results.replaceChildren();
  setState('busy', `reading ${file.name}…`);
  try {
    const inspection = await client.open('a', file);
    page.inspection = inspection;
    render(inspection);
    setState('done', `${file.name}: ${inspection.summary}`);
  } catch (error) {
    showError(error);
  }
}

async function compare(file: File): Promise<void> {
  const first = page.inspection;
  if (!first) return;
  setState('busy', `reading ${file.name} to compare…`);
  try {
    await client.open('b', file);
    const diff = await client.diff();
    page.diff = diff;
    document.querySelector('#diff')?.remove();
    results.insertBefore(diffElement(first.name, file.name, diff), results.children[1] ?? null);
    setState(
      'done',
      `${first.name} compared with ${file.name}: +${diff.added.length} -${diff.removed.length} ~${diff.changed.length}`,
    );
  } catch (error) {
    if (error instanceof WorkerError) page.error = error.report;
    setState('error', error instanceof WorkerError ? `${error.report.code}: ${error.report.message}` : String(error));
    append(
      results,
      el('p', { class: 'error', 'data-error-code': page.error?.code ?? 'WEB_INTERNAL' }, status.textContent),
    );
  }
}

picker.addEventListener('change', () => {
  const file = picker.files?.[0];
  if (file) void open(file);
  picker.value = '';
});
comparePicker.addEventListener('change', () => {
  const file = comparePicker.files?.[0];
  if (file) void compare(file);
  comparePicker.value = '';
});
cancel.addEventListener('click', () => client.cancel());

for (const name of ['dragenter', 'dragover'] as const) {
  document.addEventListener(name, (event) => {
    event.preventDefault();
    dropZone.classList.add('active');
  });
}
document.addEventListener('dragleave', () => dropZone.classList.remove('active'));
document.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('active');
  const file = event.dataTransfer?.files[0];
  if (file && page.state !== 'busy') void open(file);
});

setState('idle', 'Drop a boot file here or choose one: nothing leaves this page.');
