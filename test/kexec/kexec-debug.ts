/**
 * Reading kexec-tools' `kexec -l --debug` output (kexec/kexec.c: the `kexec_load: entry = %p flags =
 * 0x%lx` line, then print_segments: `nr_segments = N` and per segment buf (a host pointer, ignored),
 * bufsz, mem and memsz), and making the test's zImage variants.
 */
import { ZIMAGE_TAG_KERNEL_SIZE } from '@initkit/kexec';

export interface ParsedLoad {
  entry: number;
  flags: number;
  segments: Array<{ bufsz: number; mem: number; memsz: number }>;
}

export function parseKexecDebug(text: string): ParsedLoad {
  const head = /kexec_load: entry = (0x[0-9a-f]+|\(nil\)) flags = (0x[0-9a-f]+)/.exec(text);
  if (!head) throw new Error(`no "kexec_load: entry = ... flags = ..." line in:\n${text}`);
  const count = Number(/nr_segments = (\d+)/.exec(text)?.[1] ?? Number.NaN);
  const segments: ParsedLoad['segments'] = [];
  for (let index = 0; index < count; index++) {
    const field = (name: string) => {
      const match = new RegExp(`segment\\[${index}\\]\\.${name}\\s*= (0x[0-9a-f]+|\\(nil\\))`).exec(text);
      if (!match) throw new Error(`no segment[${index}].${name} in:\n${text}`);
      return match[1] === '(nil)' ? 0 : Number.parseInt(match[1]!, 16);
    };
    segments.push({ bufsz: field('bufsz'), mem: field('mem'), memsz: field('memsz') });
  }
  if (segments.length !== count) throw new Error(`nr_segments = ${count}, parsed ${segments.length}`);
  return {
    entry: head[1] === '(nil)' ? 0 : Number.parseInt(head[1]!, 16),
    flags: Number.parseInt(head[2]!, 16),
    segments,
  };
}

/** A copy of a zImage with its KLSZ tag's id zeroed, so no loader finds it (the kernel never reads it). */
export function withoutKlszTag(zImage: Uint8Array): Uint8Array {
  const copy = new Uint8Array(zImage);
  const view = new DataView(copy.buffer);
  let offset = view.getUint32(0x38, true);
  while (offset + 8 <= copy.length) {
    const size = view.getUint32(offset, true) * 4;
    if (size === 0) break;
    if (view.getUint32(offset + 4, true) === ZIMAGE_TAG_KERNEL_SIZE) {
      view.setUint32(offset + 4, 0, true);
      return copy;
    }
    offset += size;
  }
  throw new Error('the zImage has no KLSZ tag to remove');
}
