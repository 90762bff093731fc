/** Two initrds compared by path (what `initkit initramfs diff` prints): added, removed, changed. */
import type { TreeDiff } from '@initkit/initramfs';
import { el, section } from '../dom.js';

export function diffElement(a: string, b: string, diff: TreeDiff): HTMLElement {
  const list = (title: string, mark: string, items: string[]) =>
    el(
      'details',
      { open: '' },
      el('summary', {}, `${title} (${items.length})`),
      el('pre', {}, items.map((item) => `${mark} ${item}`).join('\n')),
    );
  return section(
    'diff',
    `Compared: ${a} → ${b}`,
    list('added', '+', diff.added),
    list('removed', '-', diff.removed),
    list(
      'changed',
      '~',
      diff.changed.map((c) => `${c.path} (${c.changes.join(', ')})`),
    ),
  );
}
