/** Property lookup within one node: the first property of that name, as libfdt's fdt_getprop returns. */
import type { FdtNode, FdtProperty } from './model.js';

export function findProperty(node: FdtNode, name: string): FdtProperty | undefined {
  const { properties } = node;
  for (let index = 0; index < properties.length; index++) {
    if (properties[index]!.name === name) return properties[index];
  }
  return undefined;
}

export function propertyValue(node: FdtNode, name: string): Uint8Array | undefined {
  return findProperty(node, name)?.value;
}
