/**
 * A few DOM helpers. Everything from a file (names, text, values) goes in as text nodes, never as HTML,
 * so a crafted initrd cannot inject markup into the page.
 */
export type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** A titled section; `id` names it for the tests and for links. */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return el('section', { id, class: 'panel' }, el('h2', {}, title), ...children);
}

/** A table from a header row and data rows. */
export function table(head: string[], rows: Child[][], attributes: Record<string, string> = {}): HTMLTableElement {
  return el(
    'table',
    attributes,
    el('thead', {}, el('tr', {}, ...head.map((cell) => el('th', {}, cell)))),
    el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell))))),
  );
}

/** Human size: "1.2 MiB" (exact bytes in the tooltip where it matters). */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Offers bytes as a file download. */
export function download(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
  const link = el('a', { href: url, download: name });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
