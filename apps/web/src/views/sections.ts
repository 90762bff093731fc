/** The sections for the other kinds of file: uImage header, boot script, device tree, module, kernel, compression. */

import { download, el, humanSize, section, table } from '../dom.js';
import type { Inspection } from '../inspect.js';
import type { FileSource } from './initrd.js';
import { previewElement } from './preview.js';

/** The listing is Latin-1 text (one character per byte of what mkimage prints). */
export function uimageElement(data: NonNullable<Inspection['uimage']>): HTMLElement {
  return section(
    'uimage',
    'uImage header (as mkimage -l prints it)',
    el('pre', { id: 'uimage-listing' }, data.listing),
    el('p', {}, `data CRC ${data.json.dataCrc}: ${data.json.dataCrcOk ? 'matches' : 'does not match'}`),
    data.json.files.length > 1
      ? table(
          ['file', 'offset', 'size'],
          data.json.files.map((f) => [f.index, f.offset, `${f.size} bytes`]),
          { 'data-table': 'uimage-files' },
        )
      : null,
  );
}

export function bootscriptElement(data: NonNullable<Inspection['bootscript']>): HTMLElement {
  const { plan } = data;
  const ref = (r: { address: string; file: string | null; size?: string } | null) =>
    r === null ? '-' : `${r.address}${r.size ? `:${r.size}` : ''} (${r.file ?? 'nothing loaded there'})`;
  return section(
    'bootscript',
    'Boot script',
    el('h3', {}, 'Script (decompiled)'),
    el('pre', { id: 'script-text' }, data.text),
    el('h3', {}, 'Boot plan (U-Boot qemu_arm defaults)'),
    el('p', {}, el('strong', {}, 'bootargs: '), plan.bootargs ?? '(unset)'),
    table(
      ['command', 'file', 'from', 'address', 'size'],
      plan.loads.map((load) => [
        load.command,
        load.file ?? '(DHCP boot file)',
        load.server ?? load.device ?? '',
        load.address,
        load.size ?? '',
      ]),
      { 'data-table': 'loads' },
    ),
    plan.boot
      ? el(
          'pre',
          { id: 'boot-command' },
          `boot: ${plan.boot.command}\n  kernel: ${ref(plan.boot.kernel)}\n  initrd: ${ref(plan.boot.initrd)}\n  fdt:    ${ref(plan.boot.fdt)}`,
        )
      : el('p', {}, 'boot: (the script boots nothing)'),
    plan.warnings.length ? el('ul', { class: 'warnings' }, ...plan.warnings.map((w) => el('li', {}, w))) : null,
  );
}

export function fdtElement(data: NonNullable<Inspection['fdt']>): HTMLElement {
  return section('fdt', 'Device tree (as dtc -I dtb -O dts prints it)', el('pre', { id: 'dts' }, data.dts));
}

export function kmodElement(data: NonNullable<Inspection['kmod']>): HTMLElement {
  return section('kmod', 'Kernel module (as modinfo prints it)', el('pre', { id: 'modinfo' }, data.text));
}

export function kernelElement(data: NonNullable<Inspection['kernel']>): HTMLElement {
  return section(
    'kernel',
    'Kernel image',
    table(['release', 'layers', 'compression'], [[data.release, data.layers.join(' > '), data.compression ?? 'none']], {
      'data-table': 'kernel',
    }),
    el('pre', {}, data.banner),
  );
}

export function compressionElement(data: NonNullable<Inspection['compression']>, size: number): HTMLElement {
  return section(
    'compression',
    'Compressed file',
    table(
      ['format', 'kernel loads it', 'compressed', 'decoded', 'ratio'],
      [
        [
          data.description,
          data.kernelSupported ? 'yes' : 'no',
          humanSize(size),
          humanSize(data.decodedSize),
          data.ratio.toFixed(2),
        ],
      ],
    ),
  );
}

/** Byte strings inside the file (decoded data, a uImage's files): preview and download each. */
export function partsElement(parts: NonNullable<Inspection['parts']>, source: FileSource): HTMLElement {
  const preview = el('div', { class: 'file-preview', id: 'part-preview' });
  const buttons = parts.map((part) => {
    const button = el('button', { type: 'button', 'data-part': part.key }, `${part.name} (${humanSize(part.size)})`);
    button.addEventListener('click', async () => {
      try {
        const bytes = await source.read(part.key);
        const save = el('button', { type: 'button', 'data-download': part.key }, `download ${part.name}`);
        save.addEventListener('click', () => download(part.name, bytes));
        preview.replaceChildren(el('h3', {}, part.name), save, previewElement(bytes));
      } catch (error) {
        preview.replaceChildren(el('p', { class: 'error' }, error instanceof Error ? error.message : String(error)));
      }
    });
    return button;
  });
  return section('parts', 'Contents', el('p', {}, ...buttons.flatMap((button) => [button, ' '])), preview);
}
