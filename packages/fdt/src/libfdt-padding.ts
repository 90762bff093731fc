/**
 * fdt_setprop down to the padding bytes: libfdt opens (or moves) room in the blob and copies the value
 * in without clearing the alignment padding after it, so those bytes keep what the buffer held at those
 * positions just before. fdtput and kexec-tools write them out; this reproduces them so a tree edited
 * here serializes to the very bytes they write.
 */
import { setProperty } from './edit.js';
import type { Fdt, FdtNode } from './model.js';
import { findProperty } from './property.js';
import { fdtLayout, serializeFdt } from './serialize.js';

/** setProperty, then the stale padding libfdt would leave after the value (costs one serializeFdt). */
export function setPropertyLikeLibfdt(tree: Fdt, node: FdtNode, name: string, value: Uint8Array): void {
  const before = serializeFdt(tree);
  const layout = fdtLayout(tree);
  const existing = findProperty(node, name);
  const valueOffset = existing ? layout.valueOffsets.get(existing) : (layout.nodeBodyOffsets.get(node) ?? 0) + 12;
  setProperty(node, name, value);
  if (valueOffset === undefined || !layout.nodeBodyOffsets.has(node)) return;
  const paddingStart = valueOffset + value.length;
  const paddingEnd = (paddingStart + 3) & ~3;
  if (paddingEnd > before.length) return;
  const stale = before.slice(paddingStart, paddingEnd);
  if (stale.some((byte) => byte !== 0)) findProperty(node, name)!.padding = stale;
}
