/**
 * Finding nodes as libfdt's fdt_path_offset does: absolute paths, a leading alias ("serial0/..."), and
 * a component without a unit address matching the first child named "component@...". Also phandles.
 */
import { fdtError } from './errors.js';
import type { Fdt, FdtNode } from './model.js';
import { propertyValue } from './property.js';

/** Where a node sits: its parent (undefined for the root) and its index among the parent's children. */
export interface FdtNodeLocation {
  node: FdtNode;
  parent: FdtNode | undefined;
  index: number;
}

/** The node at `path`, or undefined when a component (or the alias) does not exist. */
export function findNode(tree: Fdt, path: string): FdtNode | undefined {
  return locateNode(tree, path)?.node;
}

/** The node at `path`; throws FDT_NOT_FOUND naming the missing component, FDT_BAD_PATH for "" or a bad alias. */
export function getNode(tree: Fdt, path: string): FdtNode {
  const found = locateNode(tree, path, true);
  return found!.node;
}

/** The node at `path` with its parent, for edits that remove or replace it. */
export function locateNode(tree: Fdt, path: string, throwIfMissing = false): FdtNodeLocation | undefined {
  let location: FdtNodeLocation = { node: tree.root, parent: undefined, index: 0 };
  let rest = path;
  if (!path.startsWith('/')) {
    const slash = path.indexOf('/');
    const alias = slash < 0 ? path : path.slice(0, slash);
    const target = alias === '' ? undefined : resolveAlias(tree, alias);
    if (target === undefined || !target.startsWith('/')) {
      if (!throwIfMissing) return undefined;
      throw fdtError('FDT_BAD_PATH', `path "${path}": not absolute, and "${alias}" is not an alias in /aliases`);
    }
    const start = locateNode(tree, target, throwIfMissing);
    if (start === undefined) return undefined;
    location = start;
    rest = slash < 0 ? '' : path.slice(slash);
  }
  for (const component of rest.split('/')) {
    if (component === '') continue;
    const index = childIndex(location.node, component);
    if (index < 0) {
      if (!throwIfMissing) return undefined;
      throw fdtError('FDT_NOT_FOUND', `path "${path}": no node "${component}"`);
    }
    location = { node: location.node.children[index]!, parent: location.node, index };
  }
  return location;
}

/** libfdt's fdt_nodename_eq_: an exact name, or "name" for the first "name@unit" when no unit is given. */
export function childIndex(parent: FdtNode, component: string): number {
  const { children } = parent;
  const withoutUnit = !component.includes('@');
  for (let index = 0; index < children.length; index++) {
    const name = children[index]!.name;
    if (name === component) return index;
    if (withoutUnit && name.length > component.length && name.startsWith(component) && name[component.length] === '@') {
      return index;
    }
  }
  return -1;
}

/** The path an alias names (the string value of /aliases/<name>), or undefined. */
export function resolveAlias(tree: Fdt, name: string): string | undefined {
  const aliases = tree.root.children[childIndex(tree.root, 'aliases')];
  if (aliases === undefined) return undefined;
  const value = propertyValue(aliases, name);
  if (value === undefined) return undefined;
  const end = value.indexOf(0);
  let text = '';
  for (let index = 0; index < (end < 0 ? value.length : end); index++) text += String.fromCharCode(value[index]!);
  return text;
}

/** The node whose `phandle` (or older `linux,phandle`) is `phandle`, as fdt_node_offset_by_phandle finds it. */
export function findNodeByPhandle(tree: Fdt, phandle: number): FdtNode | undefined {
  if (phandle === 0 || phandle >>> 0 === 0xffffffff) return undefined;
  const pending: FdtNode[] = [tree.root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (nodePhandle(node) === phandle >>> 0) return node;
    for (let index = node.children.length - 1; index >= 0; index--) pending.push(node.children[index]!);
  }
  return undefined;
}

/** The node's phandle, or undefined when it has none (or a malformed one). */
export function nodePhandle(node: FdtNode): number | undefined {
  const value = propertyValue(node, 'phandle') ?? propertyValue(node, 'linux,phandle');
  if (value === undefined || value.length !== 4) return undefined;
  return ((value[0]! << 24) | (value[1]! << 16) | (value[2]! << 8) | value[3]!) >>> 0;
}

/** The absolute path of every node, depth first, with the node (for listings and JSON). */
export function* walkNodes(tree: Fdt): Generator<{ path: string; node: FdtNode }> {
  const pending: Array<{ path: string; node: FdtNode }> = [{ path: '/', node: tree.root }];
  while (pending.length > 0) {
    const entry = pending.pop()!;
    yield entry;
    const { children } = entry.node;
    const prefix = entry.path === '/' ? '/' : `${entry.path}/`;
    for (let index = children.length - 1; index >= 0; index--) {
      pending.push({ path: prefix + children[index]!.name, node: children[index]! });
    }
  }
}
