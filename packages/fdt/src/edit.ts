/**
 * Edits with libfdt's semantics, so that an edit followed by serializeFdt equals fdtput on the same
 * blob: a new property becomes the node's FIRST property (fdt_add_property_ inserts right after the
 * node's name), a new node becomes the parent's FIRST child (fdt_add_subnode inserts after the
 * properties), and an existing property keeps its place when its value changes (fdt_setprop).
 */
import { fdtError } from './errors.js';
import type { Fdt, FdtNode } from './model.js';
import { childIndex, locateNode } from './path.js';

/** fdt_setprop: replaces the value in place, or inserts the property first. Returns the node. */
export function setProperty(node: FdtNode, name: string, value: Uint8Array): FdtNode {
  checkPropertyName(name);
  const existing = node.properties.find((property) => property.name === name);
  if (existing !== undefined) {
    existing.value = value;
    delete existing.padding;
  } else {
    node.properties.unshift({ name, value });
  }
  return node;
}

/** fdt_delprop: removes the first property of that name; FDT_NOT_FOUND when there is none. */
export function deleteProperty(node: FdtNode, name: string): void {
  const index = node.properties.findIndex((property) => property.name === name);
  if (index < 0) throw fdtError('FDT_NOT_FOUND', `node "${node.name || '/'}" has no property "${name}"`);
  node.properties.splice(index, 1);
}

/** fdt_add_subnode: a new empty node as the parent's first child; FDT_EXISTS if the name is taken. */
export function addNode(parent: FdtNode, name: string): FdtNode {
  checkNodeName(name);
  // libfdt's existence test is its name match: "memory" is taken by an existing "memory@0".
  if (childIndex(parent, name) >= 0) {
    throw fdtError('FDT_EXISTS', `node "${parent.name || '/'}" already has a child "${name}"`);
  }
  const node: FdtNode = { name, properties: [], children: [] };
  parent.children.unshift(node);
  return node;
}

/** fdt_del_node: removes the node at `path` and everything under it. The root cannot be removed. */
export function deleteNode(tree: Fdt, path: string): void {
  const location = locateNode(tree, path, true)!;
  if (location.parent === undefined) throw fdtError('FDT_BAD_PATH', `path "${path}": the root node cannot be deleted`);
  location.parent.children.splice(location.index, 1);
}

/**
 * The node at an absolute path, creating each missing component as fdtput -p does (each new node
 * first among its siblings; an existing "name@unit" satisfies a component given as "name").
 */
export function ensureNode(tree: Fdt, path: string): FdtNode {
  if (!path.startsWith('/')) throw fdtError('FDT_BAD_PATH', `path "${path}": expected an absolute path`);
  let node = tree.root;
  for (const component of path.split('/')) {
    if (component === '') continue;
    const index = childIndex(node, component);
    node = index >= 0 ? node.children[index]! : addNode(node, component);
  }
  return node;
}

/**
 * fdtput -c without -p: adds the last component of an absolute path under its existing parent.
 * FDT_NOT_FOUND when the parent is missing, FDT_EXISTS when the node is already there.
 */
export function createNode(tree: Fdt, path: string): FdtNode {
  const slash = path.lastIndexOf('/');
  if (slash < 0) throw fdtError('FDT_BAD_PATH', `path "${path}": expected an absolute path`);
  const parentPath = path.slice(0, slash);
  const parent = parentPath === '' ? tree.root : locateNode(tree, parentPath, true)!.node;
  return addNode(parent, path.slice(slash + 1));
}

export function checkNodeName(name: string): void {
  if (name === '' || name.includes('/') || name.includes('\0')) {
    throw fdtError('FDT_BAD_PATH', `node name "${name}": expected a non-empty name without "/" or NUL`);
  }
}

function checkPropertyName(name: string): void {
  if (name.includes('\0')) throw fdtError('FDT_BAD_PATH', `property name "${name}": NUL cannot be stored`);
}
