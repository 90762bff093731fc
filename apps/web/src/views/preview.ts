/** A file's contents: text when it reads as text (UTF-8, no NULs), else a hex view like `hexdump -C`. */
import { el } from '../dom.js';

/** Shown at most (a preview, not an editor); the download has everything. */
const PREVIEW_BYTES = 64 * 1024;

export function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 4096);
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(
      head.length < bytes.length ? head.subarray(0, head.length - 4) : head,
    );
    return true;
  } catch {
    return false;
  }
}

/** hexdump -C lines: offset, 16 bytes in two groups, and their printable characters. */
export function hexLines(bytes: Uint8Array, limit = PREVIEW_BYTES): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, limit);
  for (let offset = 0; offset < end; offset += 16) {
    const row = bytes.subarray(offset, Math.min(offset + 16, end));
    let hex = '';
    let text = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      const byte = row[i];
      hex += byte === undefined ? '   ' : `${byte.toString(16).padStart(2, '0')} `;
      if (byte !== undefined) text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
    }
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex} |${text}|`);
  }
  if (bytes.length > end) lines.push(`... ${bytes.length - end} more bytes (download the file for all of it)`);
  return lines.join('\n');
}

export function previewElement(bytes: Uint8Array): HTMLElement {
  if (looksLikeText(bytes)) {
    const text = new TextDecoder().decode(bytes.subarray(0, PREVIEW_BYTES));
    const more = bytes.length > PREVIEW_BYTES ? `\n... ${bytes.length - PREVIEW_BYTES} more bytes` : '';
    return el('pre', { class: 'preview text', 'data-preview': 'text' }, text + more);
  }
  return el('pre', { class: 'preview hex', 'data-preview': 'hex' }, hexLines(bytes));
}
