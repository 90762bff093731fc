/**
 * The device tree an ARM kexec hands the new kernel: the original blob with /chosen's bootargs and
 * linux,initrd-start/-end set (4-byte big-endian on arm32), reservations kept, and sized EXACTLY as
 * kexec-tools 2.0.25 sizes it (kexec-zImage-arm.c, setup_dtb_prop), because that size is the segment's
 * bufsz and memsz: start from the file's length, then per property set add
 *   fdt_node_len("chosen") = 8 + ALIGN4(7) + 4 = 20 when /chosen is missing,
 *   fdt_prop_len(name, len) = strlen(name) + 1 + 12 + ALIGN4(len) when the property is new,
 *   ALIGN4(len - old length) when it exists and grows, nothing when it shrinks or keeps its size.
 * The blob's totalsize becomes that length; the bytes past the edited tree are zero.
 */
import { isInitkitError } from '@initkit/core';
import { findNode, parseFdt, serializeFdt, setChosen } from '@initkit/fdt';
import { kexecError } from './errors.js';
import type { ChosenPlan } from './plan.js';

export interface KexecDtb {
  bytes: Uint8Array;
  /** kexec-tools' dtb_length: the segment's bufsz. */
  length: number;
}

const align4 = (value: number) => (value + 3) & ~3;
const encoder = new TextEncoder();

/** The blob with /chosen edited as `kexec -l` edits it (bootargs only when a command line is given). */
export function editDtbForKexec(original: Uint8Array, chosen: ChosenPlan): KexecDtb {
  let tree: ReturnType<typeof parseFdt>;
  try {
    tree = parseFdt(original);
  } catch (error) {
    if (isInitkitError(error)) throw kexecError('KEXEC_BAD_DTB', `device tree: ${error.message}`, { cause: error });
    throw error;
  }
  let length = original.length;
  // Property lengths /chosen has so far (undefined: no /chosen yet), updated as kexec-tools sets them.
  const existing = findNode(tree, '/chosen');
  let lengths: Map<string, number> | undefined = existing
    ? new Map(existing.properties.map((property) => [property.name, property.value.length]))
    : undefined;
  const grow = (name: string, valueLength: number) => {
    if (lengths === undefined) {
      length += 8 + align4('chosen'.length + 1) + 4;
      lengths = new Map();
    }
    const old = lengths.get(name);
    if (old === undefined) length += name.length + 1 + 12 + align4(valueLength);
    else if (old < valueLength) length += align4(valueLength - old);
    lengths.set(name, valueLength);
  };
  if (chosen.bootargs !== undefined) grow('bootargs', encoder.encode(chosen.bootargs).length + 1);
  if (chosen.initrdStart !== undefined) {
    grow('linux,initrd-start', 4);
    grow('linux,initrd-end', 4);
  }
  setChosen(tree, {
    ...(chosen.bootargs !== undefined ? { bootargs: chosen.bootargs } : {}),
    ...(chosen.initrdStart !== undefined ? { initrdStart: chosen.initrdStart, initrdEnd: chosen.initrdEnd } : {}),
  });
  const written = serializeFdt(tree);
  if (written.length > length) {
    // A blob with slack inside it (NOPs, gaps) can serialize larger than kexec-tools' arithmetic expects
    // only if it was not laid out as dtc and libfdt lay blobs out; keep it whole rather than cut it.
    return { bytes: written, length: written.length };
  }
  const bytes = new Uint8Array(length);
  bytes.set(written);
  new DataView(bytes.buffer).setUint32(4, length);
  return { bytes, length };
}
