/**
 * depmod: from the modules of a tree (their paths, .modinfo and symbols), compute what kmod's
 * `depmod` writes: modules.dep in load order, modules.alias, modules.softdep, modules.symbols,
 * modules.devname, and the binary indexes. Modules link by symbols exactly as kmod links them (the last
 * module in modules.order exporting a symbol owns it; needed symbols in symbol-table order), and the
 * dependency lists are sorted by the same topological order, so the text files match `depmod -b`
 * line for line. Pure: bytes in, file contents out.
 */

import { kmodError } from './errors.js';
import { KmodIndexBuilder } from './index-file.js';
import type { ModinfoEntry } from './modinfo.js';
import { moduleNameFromPath, normalizeAlias, normalizeModuleName, uncompressedModulePath } from './module-name.js';
import { parseBuiltin, parseBuiltinModinfo } from './text-files.js';

/** What depmod needs to know about one module. */
export interface DepmodModule {
  /** Path relative to the module directory, e.g. "kernel/drivers/block/nbd.ko.xz". */
  path: string;
  info: readonly ModinfoEntry[];
  /** Exported symbol names. */
  exports: readonly string[];
  /** Needed symbol names, in the order the module's symbol table lists them. */
  imports: readonly string[];
}

export interface DepmodOptions {
  /** Contents of modules.order: paths with plain .ko, one a line; fixes the module order. */
  order?: string;
  /** Contents of modules.builtin (for modules.builtin.bin). */
  builtin?: string;
  /** Contents of modules.builtin.modinfo (for modules.builtin.alias.bin). */
  builtinModinfo?: Uint8Array;
  /** A character the architecture prefixes to symbol names (depmod -P), e.g. '_' on some. */
  symbolPrefix?: string;
  /**
   * How modules are linked: 'symbols' (default) resolves each module's needed symbols against the
   * others' exports, exactly as kmod's depmod does; 'depends' uses the `depends=` list modpost wrote
   * into .modinfo (for modules stripped of their symbol table).
   */
  linkBy?: 'symbols' | 'depends';
}

/** One module after depmod: its place in the order and its full dependency list in load order. */
export interface DepmodEntry {
  name: string;
  path: string;
  /** Every module it needs, directly or not, nearest users first: load them last to first. */
  dependencies: string[];
}

export interface DepmodResult {
  /** Modules in depmod's output order (modules.order first, then the rest in input order). */
  modules: DepmodEntry[];
  /** File name (modules.dep, modules.dep.bin, ...) to contents, in the order depmod writes them. */
  files: Map<string, Uint8Array>;
}

interface Node {
  name: string;
  path: string;
  source: DepmodModule;
  index: number;
  deps: Node[];
  users: number;
  sortIndex: number;
}

const encoder = new TextEncoder();

export function depmod(modules: readonly DepmodModule[], options: DepmodOptions = {}): DepmodResult {
  const nodes = orderModules(pickModules(modules), options.order);
  const owners = exportedSymbols(nodes, options.symbolPrefix ?? '');
  if (options.linkBy === 'depends') linkByDepends(nodes);
  else linkBySymbols(nodes, owners, options.symbolPrefix ?? '');
  topologicalSort(nodes);

  const entries: DepmodEntry[] = nodes.map((node) => ({
    name: node.name,
    path: node.path,
    dependencies: allDependencies(node).map((dep) => dep.path),
  }));

  // One function per file: depmod() runs once, so V8 optimizes each loop on the stack (OSR); code
  // after an optimized loop that has not run yet would deoptimize the whole function when reached.
  const files = new Map<string, Uint8Array>();
  writeDependencies(files, entries);
  writeAliases(files, nodes);
  files.set('modules.softdep', encoder.encode(softdeps(nodes)));
  writeSymbols(files, owners);
  if (options.builtin !== undefined) files.set('modules.builtin.bin', builtinIndex(options.builtin));
  if (options.builtinModinfo !== undefined) {
    files.set('modules.builtin.alias.bin', builtinAliasIndex(options.builtinModinfo));
  }
  files.set('modules.devname', encoder.encode(devnames(nodes)));
  return { modules: entries, files };
}

/** modules.dep and modules.dep.bin. */
function writeDependencies(files: Map<string, Uint8Array>, entries: readonly DepmodEntry[]): void {
  const dep: string[] = [];
  const depIndex = new KmodIndexBuilder();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const line = entry.dependencies.length ? `${entry.path}: ${entry.dependencies.join(' ')}` : `${entry.path}:`;
    dep.push(line, '\n');
    depIndex.insert(entry.name, line, i);
  }
  files.set('modules.dep', encoder.encode(dep.join('')));
  files.set('modules.dep.bin', depIndex.serialize());
}

// The loops over every module's entries are indexed: they run before V8 optimizes them, when a
// for...of allocates an iterator result per element (10 MB over a distribution's tree).

/** modules.alias and modules.alias.bin. */
function writeAliases(files: Map<string, Uint8Array>, nodes: readonly Node[]): void {
  const alias = ['# Aliases extracted from modules themselves.\n'];
  const aliasIndex = new KmodIndexBuilder();
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    const info = node.source.info;
    for (let k = 0; k < info.length; k++) {
      const { key, value } = info[k]!;
      if (key !== 'alias') continue;
      alias.push(`alias ${value} ${node.name}\n`);
      const normalized = normalizeAlias(value);
      if (normalized !== undefined) aliasIndex.insert(normalized, node.name, node.index);
    }
  }
  files.set('modules.alias', encoder.encode(alias.join('')));
  files.set('modules.alias.bin', aliasIndex.serialize());
}

/** modules.softdep. */
function softdeps(nodes: readonly Node[]): string {
  let softdep = '# Soft dependencies extracted from modules themselves.\n';
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    const info = node.source.info;
    for (let k = 0; k < info.length; k++) {
      const { key, value } = info[k]!;
      if (key === 'softdep') softdep += `softdep ${node.name} ${value}\n`;
    }
  }
  return softdep;
}

/** modules.symbols and modules.symbols.bin. */
function writeSymbols(files: Map<string, Uint8Array>, owners: ReadonlyMap<string, Node>): void {
  const symbols = ['# Aliases for symbols, used by symbol_request().\n'];
  const symbolIndex = new KmodIndexBuilder();
  owners.forEach((owner, symbol) => {
    symbols.push(`alias symbol:${symbol} ${owner.name}\n`);
    symbolIndex.insert(`symbol:${symbol}`, owner.name, owner.index);
  });
  files.set('modules.symbols', encoder.encode(symbols.join('')));
  files.set('modules.symbols.bin', symbolIndex.serialize());
}

/** modules.builtin.bin: the built-in modules' names, from modules.builtin. */
function builtinIndex(builtin: string): Uint8Array {
  const index = new KmodIndexBuilder();
  for (const path of parseBuiltin(builtin)) index.insert(moduleNameFromPath(path), '', 0);
  return index.serialize();
}

/** modules.builtin.alias.bin: the built-in modules' aliases, from modules.builtin.modinfo. */
function builtinAliasIndex(builtinModinfo: Uint8Array): Uint8Array {
  const index = new KmodIndexBuilder();
  for (const { module, key, value } of parseBuiltinModinfo(builtinModinfo)) {
    if (key !== 'alias' || value === '') continue;
    const normalized = normalizeAlias(value);
    if (normalized !== undefined) index.insert(normalized, module, 0);
  }
  return index.serialize();
}

/**
 * One module per name. A name found twice keeps the copy under updates/ (depmod's default search
 * order: updates, then the built-in tree), else the first in path order.
 */
function pickModules(modules: readonly DepmodModule[]): Node[] {
  const byName = new Map<string, Node>();
  const sorted = [...modules].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const source of sorted) {
    const name = moduleNameFromPath(source.path);
    const existing = byName.get(name);
    if (existing && !(source.path.startsWith('updates/') && !existing.path.startsWith('updates/'))) continue;
    byName.set(name, { name, path: source.path, source, index: 0, deps: [], users: 0, sortIndex: 0 });
  }
  return [...byName.values()];
}

/** modules.order first (a later line wins for a module listed twice), then the others in input order. */
function orderModules(nodes: Node[], order: string | undefined): Node[] {
  nodes.forEach((node, i) => {
    node.sortIndex = i + 1;
  });
  if (order !== undefined) {
    const byUncompressedPath = new Map(nodes.map((node) => [uncompressedModulePath(node.path), node]));
    const lines = order.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const total = lines.length + 1;
    lines.forEach((line, i) => {
      const node = byUncompressedPath.get(line);
      if (node) node.sortIndex = i + 1 - total;
    });
  }
  const sorted = [...nodes].sort((a, b) => a.sortIndex - b.sortIndex);
  sorted.forEach((node, i) => {
    node.index = i;
  });
  return sorted;
}

function stripPrefix(name: string, prefix: string): string {
  return prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** Symbol name to owner: the last module in order that exports it wins, as in depmod's hash. */
function exportedSymbols(nodes: readonly Node[], prefix: string): Map<string, Node> {
  const owners = new Map<string, Node>();
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    const exports = node.source.exports;
    for (let k = 0; k < exports.length; k++) owners.set(stripPrefix(exports[k]!, prefix), node);
  }
  return owners;
}

function linkBySymbols(nodes: readonly Node[], owners: ReadonlyMap<string, Node>, prefix: string): void {
  // linkedTo[owner.index] === node.index + 1: the owner is already among node's dependencies.
  const linkedTo = new Int32Array(nodes.length);
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    const stamp = node.index + 1;
    const imports = node.source.imports;
    for (let k = 0; k < imports.length; k++) {
      const wanted = imports[k]!;
      const owner = owners.get(stripPrefix(wanted.startsWith('.') ? wanted.slice(1) : wanted, prefix));
      if (!owner || linkedTo[owner.index] === stamp) continue;
      linkedTo[owner.index] = stamp;
      node.deps.push(owner);
      owner.users++;
    }
  }
}

/** Links each module to the modules its `depends=` names (in that order), ignoring unknown names. */
function linkByDepends(nodes: readonly Node[]): void {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  for (const node of nodes) {
    const seen = new Set<Node>();
    for (const { key, value } of node.source.info) {
      if (key !== 'depends') continue;
      for (const name of value.split(',')) {
        const dependency = byName.get(normalizeModuleName(name));
        if (!dependency || dependency === node || seen.has(dependency)) continue;
        seen.add(dependency);
        node.deps.push(dependency);
        dependency.users++;
      }
    }
  }
}

/**
 * Kahn's algorithm with a stack, modules without users first, as depmod orders them; a module left
 * over sits on a cycle: KMOD_DEPENDENCY_CYCLE names one.
 */
function topologicalSort(nodes: readonly Node[]): void {
  const users = nodes.map((node) => node.users);
  const stack: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (users[i] === 0) stack.push(i);
  let sorted = 0;
  while (stack.length > 0) {
    const node = nodes[stack.pop()!]!;
    node.sortIndex = sorted++;
    const deps = node.deps;
    for (let k = 0; k < deps.length; k++) {
      const dep = deps[k]!;
      if (--users[dep.index]! === 0) stack.push(dep.index);
    }
  }
  if (sorted < nodes.length) {
    const left = nodes.filter((_, i) => users[i]! > 0);
    throw kmodError(
      'KMOD_DEPENDENCY_CYCLE',
      `modules depend on each other in a cycle: ${describeCycle(left)} (${left.length} modules are on or behind cycles)`,
    );
  }
  for (const node of nodes) if (node.deps.length > 1) node.deps.sort((a, b) => a.sortIndex - b.sortIndex);
}

/** Follows dependencies among the left-over modules until one repeats: that loop is a cycle. */
function describeCycle(left: readonly Node[]): string {
  const inLeft = new Set(left);
  const path: Node[] = [];
  const position = new Map<Node, number>();
  let node: Node | undefined = left[0];
  while (node && !position.has(node)) {
    position.set(node, path.length);
    path.push(node);
    node = node.deps.find((dep) => inLeft.has(dep));
  }
  if (!node) return left.map((n) => n.name).join(', ');
  const cycle = path.slice(position.get(node));
  return [...cycle, node].map((n) => n.name).join(' -> ');
}

/** The module's dependencies and theirs, each once, sorted by the topological index. */
function allDependencies(node: Node): Node[] {
  if (node.deps.length === 0) return [];
  const found = new Set<Node>();
  const visit = (current: Node): void => {
    const deps = current.deps;
    for (let k = 0; k < deps.length; k++) {
      const dep = deps[k]!;
      if (found.has(dep)) continue;
      found.add(dep);
      visit(dep);
    }
  };
  visit(node);
  return [...found].sort((a, b) => a.sortIndex - b.sortIndex);
}

/** modules.devname: modules with a devname: alias and a char-/block-major-M-N alias. */
function devnames(nodes: readonly Node[]): string {
  let text = '';
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    let devname: string | undefined;
    let device: string | undefined;
    const info = node.source.info;
    for (let k = 0; k < info.length; k++) {
      const { key, value } = info[k]!;
      if (key !== 'alias') continue;
      if (value.startsWith('devname:')) devname = value.slice('devname:'.length);
      else if (value.startsWith('char-major-') || value.startsWith('block-major-')) {
        const match = /^(char|block)-major-(\d+)-(\d+)/.exec(value);
        if (match) device = `${match[1] === 'char' ? 'c' : 'b'}${Number(match[2])}:${Number(match[3])}`;
      }
      if (device !== undefined && devname !== undefined) break;
    }
    if (devname !== undefined && device !== undefined) {
      if (text === '') text = '# Device nodes to trigger on-demand module loading.\n';
      text += `${node.name} ${devname} ${device}\n`;
    }
  }
  return text;
}
