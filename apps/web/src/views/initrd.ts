/**
 * An initrd: members with offsets, compression, sizes and ratios; the analysis (kernel releases and
 * whether their modules' dependencies are complete, /init, early microcode, overwrites between
 * members); the merged tree to browse and search with sizes, a treemap of the space, and each file's
 * preview and download (contents fetched from the worker on demand).
 */

import { download, el, humanSize, section, table } from '../dom.js';
import type { Inspection, TreeRow } from '../inspect.js';
import { previewElement } from './preview.js';
import { type SizeNode, sizeTree, treemapElement } from './treemap.js';

export interface FileSource {
  read(path: string): Promise<Uint8Array>;
  /** Opens bytes in the inspector as a file of their own (a module's modinfo, a nested image). */
  inspect?(name: string, bytes: Uint8Array): void;
}

type InitrdSection = NonNullable<Inspection['initrd']>;

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

export function membersElement(data: InitrdSection): HTMLElement {
  const { analysis } = data;
  return section(
    'members',
    `Members (${analysis.members.length}) · ${humanSize(analysis.size)} · ${analysis.entries} paths`,
    table(
      ['#', 'offset', 'compression', 'stored', 'uncompressed', 'ratio', 'archives', 'entries', 'early'],
      analysis.members.map((member) => [
        member.index,
        `${member.offset} (0x${member.offset.toString(16)})`,
        member.compression,
        humanSize(member.length),
        humanSize(member.uncompressedSize),
        member.ratio.toFixed(2),
        member.archives,
        member.entries,
        yesNo(member.early),
      ]),
      { 'data-table': 'members' },
    ),
    analysis.paddingBytes ? el('p', {}, `${analysis.paddingBytes} bytes of padding between members`) : null,
  );
}

export function analysisElement(data: InitrdSection): HTMLElement {
  const { analysis } = data;
  const init = analysis.init;
  const initText =
    init.type === 'missing'
      ? 'missing: the kernel would not find /init'
      : `${init.type}${init.target ? ` -> ${init.target}` : ''}${init.kind ? `, ${init.kind}` : ''}${init.interpreter ? ` (#!${init.interpreter})` : ''}${init.initkitWrapper ? ', an initkit wrapper' : ''}${init.size !== undefined ? `, ${humanSize(init.size)}` : ''}`;
  return section(
    'analysis',
    'Analysis',
    el('p', { 'data-field': 'init' }, el('strong', {}, '/init: '), initText),
    el(
      'p',
      { 'data-field': 'microcode' },
      el('strong', {}, 'Early microcode: '),
      analysis.microcode.length === 0
        ? 'none'
        : analysis.microcode.map((m) => `${m.path} (${humanSize(m.size)}, member ${m.member})`).join(', '),
    ),
    analysis.releases.length === 0
      ? el('p', { 'data-field': 'releases' }, el('strong', {}, 'Kernel modules: '), 'no lib/modules/<release>')
      : table(
          ['kernel release', 'modules', 'modules.dep', 'dependencies complete', 'missing', 'not in modules.dep'],
          analysis.releases.map((release) => [
            release.release,
            release.modules.length,
            yesNo(release.hasModulesDep),
            yesNo(release.complete),
            release.missingDependencies.map((m) => `${m.module}: ${m.missing.join(', ')}`).join('; ') || '-',
            release.unlisted.join(', ') || '-',
          ]),
          { 'data-table': 'releases' },
        ),
    el(
      'details',
      {},
      el(
        'summary',
        {},
        `Overwrites between members (${analysis.overwrites.length}), dropped entries (${analysis.dropped.length})`,
      ),
      el('pre', {}, JSON.stringify({ overwrites: analysis.overwrites, dropped: analysis.dropped }, null, 2)),
    ),
    el(
      'details',
      {},
      el('summary', {}, 'As `initkit initramfs analyze` prints it'),
      el('pre', { id: 'analysis-text' }, data.text),
    ),
  );
}

/** The tree browser: breadcrumbs, a directory's entries with sizes, search over every path, the treemap. */
export function treeElement(data: InitrdSection, files: FileSource): HTMLElement {
  const rows = data.tree;
  const sizes = sizeTree(rows);
  const byParent = new Map<string, TreeRow[]>();
  for (const row of rows) {
    if (row.name === '.') continue;
    const slash = row.name.lastIndexOf('/');
    const parent = slash < 0 ? '.' : row.name.slice(0, slash);
    const list = byParent.get(parent);
    if (list) list.push(row);
    else byParent.set(parent, [row]);
  }
  const sizeOf = (path: string): SizeNode | undefined => {
    let node: SizeNode | undefined = sizes;
    if (path === '.') return node;
    for (const part of path.split('/')) node = node?.children.get(part);
    return node;
  };

  const crumbs = el('nav', { class: 'crumbs' });
  const search = el('input', {
    type: 'search',
    placeholder: 'search paths…',
    id: 'tree-search',
    'aria-label': 'search paths',
  });
  const listing = el('div', { class: 'listing', id: 'tree-listing' });
  const map = el('div', { class: 'map', id: 'treemap' });
  const preview = el('div', { class: 'file-preview', id: 'file-preview' });

  const rowElement = (row: TreeRow, label: string): HTMLTableRowElement => {
    const isDirectory = row.type === 'directory';
    const size = isDirectory ? (sizeOf(row.name)?.size ?? 0) : row.size;
    const name = el('a', { href: '#', 'data-path': row.name }, label + (isDirectory ? '/' : ''));
    name.addEventListener('click', (event) => {
      event.preventDefault();
      if (isDirectory) show(row.name);
      else void openFile(row);
    });
    return el(
      'tr',
      {},
      el('td', {}, name, row.linkTarget !== undefined ? ` -> ${row.linkTarget}` : ''),
      el('td', {}, row.type),
      el('td', {}, row.permissions),
      el('td', {}, `${row.uid}:${row.gid}`),
      el(
        'td',
        { class: 'number', title: `${size} bytes${row.nlink > 1 && !isDirectory ? `, ${row.nlink} names` : ''}` },
        humanSize(size),
      ),
      el('td', { class: 'number' }, row.member),
    );
  };

  const render = (items: TreeRow[], label: (row: TreeRow) => string, note?: string) => {
    listing.replaceChildren(
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el('tr', {}, ...['name', 'type', 'mode', 'owner', 'size', 'member'].map((h) => el('th', {}, h))),
        ),
        el('tbody', {}, ...items.map((row) => rowElement(row, label(row)))),
      ),
      ...(note ? [el('p', {}, note)] : []),
    );
  };

  function show(directory: string): void {
    crumbs.replaceChildren();
    const parts = directory === '.' ? [] : directory.split('/');
    const link = (text: string, path: string) => {
      const a = el('a', { href: '#' }, text);
      a.addEventListener('click', (event) => {
        event.preventDefault();
        show(path);
      });
      return a;
    };
    crumbs.append(link('/', '.'));
    parts.forEach((part, index) => {
      crumbs.append(' ', link(`${part}/`, parts.slice(0, index + 1).join('/')));
    });
    const items = [...(byParent.get(directory) ?? [])].sort((a, b) => {
      const sa = a.type === 'directory' ? (sizeOf(a.name)?.size ?? 0) : a.size;
      const sb = b.type === 'directory' ? (sizeOf(b.name)?.size ?? 0) : b.size;
      return sb - sa || a.name.localeCompare(b.name);
    });
    render(items, (row) => row.name.slice(row.name.lastIndexOf('/') + 1));
    const node = sizeOf(directory);
    map.replaceChildren(
      node
        ? treemapElement(node, (path) =>
            sizeOf(path)?.isDirectory ? show(path) : void openFile(rows.find((r) => r.name === path)!),
          )
        : '',
    );
  }

  async function openFile(row: TreeRow | undefined): Promise<void> {
    if (!row) return;
    preview.replaceChildren(el('p', {}, `reading ${row.name}…`));
    try {
      const bytes = await files.read(row.name);
      const name = row.name.slice(row.name.lastIndexOf('/') + 1);
      const button = el(
        'button',
        { type: 'button', 'data-download': row.name },
        `download ${name} (${humanSize(bytes.length)})`,
      );
      button.addEventListener('click', () => download(name, bytes));
      const inspect = el('button', { type: 'button', 'data-inspect': row.name }, `inspect ${name}`);
      inspect.addEventListener('click', () => files.inspect?.(name, bytes));
      preview.replaceChildren(el('h3', {}, row.name), button, ' ', files.inspect ? inspect : '', previewElement(bytes));
    } catch (error) {
      preview.replaceChildren(el('p', { class: 'error' }, error instanceof Error ? error.message : String(error)));
    }
  }

  search.addEventListener('input', () => {
    const query = search.value.trim().toLowerCase();
    if (query === '') {
      show('.');
      return;
    }
    const found = rows.filter((row) => row.name !== '.' && row.name.toLowerCase().includes(query));
    const limit = 500;
    render(
      found.slice(0, limit),
      (row) => row.name,
      found.length > limit ? `${found.length} matches, the first ${limit} shown` : `${found.length} matches`,
    );
  });

  show('.');
  return section(
    'tree',
    `Merged tree (${rows.length} paths, ${humanSize(sizes.size)} in files, hard links counted once)`,
    map,
    el('div', { class: 'browser' }, el('div', {}, crumbs, search, listing), preview),
  );
}
