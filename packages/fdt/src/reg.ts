/**
 * Address decoding: `reg` read with the parent's #address-cells and #size-cells (2 and 1 when absent,
 * as the devicetree specification and dtc assume), and the RAM ranges of the /memory nodes.
 */
import { fdtError } from './errors.js';
import type { Fdt, FdtNode } from './model.js';
import { findProperty } from './property.js';
import { cellsToBigInt, decodeStringList, decodeU32Cells, getCells } from './values.js';

export interface FdtRegion {
  address: bigint;
  size: bigint;
}

/** The #address-cells and #size-cells a node gives its children. */
export function cellSizes(node: FdtNode): { addressCells: number; sizeCells: number } {
  return {
    addressCells: optionalCell(node, '#address-cells') ?? 2,
    sizeCells: optionalCell(node, '#size-cells') ?? 1,
  };
}

function optionalCell(node: FdtNode, name: string): number | undefined {
  const property = findProperty(node, name);
  if (property === undefined) return undefined;
  const cells = decodeU32Cells(property.value, `property "${name}" of node "${node.name || '/'}"`);
  if (cells.length !== 1) {
    throw fdtError(
      'FDT_BAD_VALUE',
      `property "${name}" of node "${node.name || '/'}": expected one cell, found ${cells.length}`,
    );
  }
  return cells[0]!;
}

/** The node's `reg` as (address, size) pairs, with `parent`'s cell sizes; [] when it has no reg. */
export function decodeReg(node: FdtNode, parent: FdtNode): FdtRegion[] {
  if (findProperty(node, 'reg') === undefined) return [];
  const { addressCells, sizeCells } = cellSizes(parent);
  const cells = getCells(node, 'reg');
  const stride = addressCells + sizeCells;
  if (addressCells > 4 || sizeCells > 4 || stride === 0 || cells.length % stride !== 0) {
    throw fdtError(
      'FDT_BAD_VALUE',
      `property "reg" of node "${node.name}": ${cells.length} cells do not split into entries of ` +
        `#address-cells ${addressCells} + #size-cells ${sizeCells}`,
    );
  }
  const regions: FdtRegion[] = [];
  for (let first = 0; first < cells.length; first += stride) {
    regions.push({
      address: cellsToBigInt(cells, first, addressCells),
      size: cellsToBigInt(cells, first + addressCells, sizeCells),
    });
  }
  return regions;
}

/**
 * RAM as the kernel finds it: the reg of every root child whose device_type is "memory" (the node is
 * usually /memory or /memory@<address>), in tree order.
 */
export function memoryRanges(tree: Fdt): FdtRegion[] {
  const ranges: FdtRegion[] = [];
  for (const child of tree.root.children) {
    const deviceType = findProperty(child, 'device_type');
    if (deviceType === undefined || deviceType.value.length === 0) continue;
    if (deviceType.value[deviceType.value.length - 1] !== 0) continue;
    if (decodeStringList(deviceType.value)[0] !== 'memory') continue;
    ranges.push(...decodeReg(child, tree.root));
  }
  return ranges;
}
