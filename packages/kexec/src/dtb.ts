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
import { FdtBlob, findNode, parseFdt, serializeFdt, setChosen, setChosenInBlob } from '@initkit/fdt';
import { kexecError } from './errors.js';
import type { ChosenPlan } from './plan.js';

export interface KexecDtb {
  bytes: Uint8Array;
  /** kexec-tools' dtb_length: the segment's bufsz. */
  length: number;
}

const align4 = (value: number) => (value + 3) & ~3;
const encoder = new TextEncoder();

/**
 * The blob with /chosen edited as `kexec -l` edits it (bootargs only when a command line is given):
 * in place, as libfdt does for kexec-tools (bench/kexec: parsing and re-serializing QEMU's 1 MiB blob
 * cost more than the rest of the plan under emulation); through the tree for a blob whose blocks are
 * not in libfdt's read-write order (a version 16 header, reordered blocks), packed as fdt_open_into
 * would pack it.
 */
export function editDtbForKexec(original: Uint8Array, chosen: ChosenPlan): KexecDtb {
  const values = {
    ...(chosen.bootargs !== undefined ? { bootargs: chosen.bootargs } : {}),
    ...(chosen.initrdStart !== undefined ? { initrdStart: chosen.initrdStart, initrdEnd: chosen.initrdEnd } : {}),
  };
  let blob: FdtBlob;
  try {
    blob = FdtBlob.open(original);
  } catch (error) {
    if (isInitkitError(error) && error.code === 'FDT_UNSUPPORTED') return editThroughTree(original, chosen, values);
    throw badDtb(error);
  }
  const node = blob.subnode(blob.root, 'chosen');
  const length = kexecDtbLength(original.length, chosen, (name) =>
    node === undefined ? null : (blob.property(node, name)?.length ?? undefined),
  );
  const edited = blob.resize(length);
  setChosenInBlob(edited, values);
  return { bytes: edited.bytes, length };
}

/** The same edit through parseFdt, setChosen and serializeFdt, for blobs FdtBlob does not edit in place. */
function editThroughTree(original: Uint8Array, chosen: ChosenPlan, values: Parameters<typeof setChosen>[1]): KexecDtb {
  let tree: ReturnType<typeof parseFdt>;
  try {
    tree = parseFdt(original);
  } catch (error) {
    throw badDtb(error);
  }
  const existing = findNode(tree, '/chosen');
  const length = kexecDtbLength(original.length, chosen, (name) =>
    existing === undefined ? null : existing.properties.find((property) => property.name === name)?.value.length,
  );
  setChosen(tree, values);
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

/**
 * kexec-tools' setup_dtb_prop arithmetic (header comment) from the file's length. `lengthOf(name)` is
 * the value length /chosen has for that property: undefined when it has none, null when there is no
 * /chosen at all.
 */
function kexecDtbLength(
  fileLength: number,
  chosen: ChosenPlan,
  lengthOf: (name: string) => number | null | undefined,
): number {
  let length = fileLength;
  let hasChosen = lengthOf('bootargs') !== null;
  // What kexec-tools has set so far: a later property sees the earlier ones.
  const set = new Map<string, number>();
  const grow = (name: string, valueLength: number) => {
    if (!hasChosen) {
      length += 8 + align4('chosen'.length + 1) + 4;
      hasChosen = true;
    }
    const old = set.has(name) ? set.get(name) : (lengthOf(name) ?? undefined);
    if (old === undefined) length += name.length + 1 + 12 + align4(valueLength);
    else if (old < valueLength) length += align4(valueLength - old);
    set.set(name, valueLength);
  };
  if (chosen.bootargs !== undefined) grow('bootargs', encoder.encode(chosen.bootargs).length + 1);
  if (chosen.initrdStart !== undefined) {
    grow('linux,initrd-start', 4);
    grow('linux,initrd-end', 4);
  }
  return length;
}

function badDtb(error: unknown): unknown {
  if (isInitkitError(error)) return kexecError('KEXEC_BAD_DTB', `device tree: ${error.message}`, { cause: error });
  return error;
}
