/**
 * `initkit fdt`: device tree blobs. `dump` prints what `dtc -I dtb -O dts` prints; `get` and `set` take
 * fdtget's and fdtput's arguments and flags and print or write what they do (set replaces the file
 * atomically, and only when every operation succeeded).
 */
import { InitkitError } from '@initkit/core';
import {
  createNode,
  deleteNode,
  deleteProperty,
  ensureNode,
  type Fdt,
  fdtToJson,
  findProperty,
  formatDts,
  getNode,
  parseFdt,
  propertyToJson,
  serializeFdt,
  setPropertyLikeLibfdt,
} from '@initkit/fdt';
import type { Command } from 'commander';
import { readInput } from '../input.js';
import { printJson, writeOutput } from '../output.js';
import { UsageError } from '../usage-error.js';
import { DEFAULT_TYPE, encodeFdtputValue, formatFdtgetValue, parseValueType, type ValueType } from './fdt-values.js';

const TYPE_HELP = 'type: s=string, i=int, u=unsigned, x=hex; optional prefix hh or b=byte, h=2 bytes, l=4 bytes';

/** Adds the `fdt` sub-commands to the area's command (named and described in catalog.ts). */
export function registerFdt(fdt: Command): void {
  fdt
    .command('dump')
    .description('print the tree as `dtc -I dtb -O dts` prints it')
    .argument('<file>', '.dtb file (- for stdin)')
    .option('--json', 'print the header fields, reservations and tree as JSON')
    .action(dumpAction);

  fdt
    .command('get')
    .description('print property values, or list properties/subnodes, as fdtget does')
    .usage('[options] <file> [<node> <property>]...   (with -p or -l: <file> [<node>]...)')
    .argument('<file>', '.dtb file')
    .argument('[items...]', 'node and property pairs; nodes alone with -p or -l')
    .option('-t, --type <type>', TYPE_HELP)
    .option('-p, --properties', 'list the properties of each node')
    .option('-l, --list', 'list the subnodes of each node')
    .option('-d, --default <value>', 'print this when a node or property is missing')
    .option('--json', 'print the results as JSON')
    .action(getAction);

  fdt
    .command('set')
    .description('write a property, create/remove nodes or delete properties, as fdtput does')
    .usage(
      '[options] <file> <node> <property> [<value>...]\n' +
        '       -c [-p] <file> [<node>...]\n' +
        '       -r <file> [<node>...]\n' +
        '       -d <file> <node> [<property>...]',
    )
    .argument('<file>', '.dtb file, replaced atomically')
    .argument('[items...]', 'node, property and values (or nodes with -c/-r, node and properties with -d)')
    .option('-c, --create', 'create nodes')
    .option('-r, --remove', 'remove nodes and everything under them')
    .option('-d, --delete', 'delete properties of a node')
    .option('-p, --auto-path', 'create missing parent nodes (with -c: existing nodes are not an error)')
    .option('-t, --type <type>', TYPE_HELP)
    .option('-v, --verbose', 'describe each value decoded from the command line on stderr')
    .action(setAction);
}

interface GetFlags {
  type?: string;
  properties?: boolean;
  list?: boolean;
  default?: string;
  json?: boolean;
}

interface SetFlags {
  create?: boolean;
  remove?: boolean;
  delete?: boolean;
  autoPath?: boolean;
  type?: string;
  verbose?: boolean;
}

interface GetResult {
  text: string;
  json: unknown;
}

async function readTree(file: string): Promise<Fdt> {
  const bytes = await readInput(file === '-' ? '/dev/stdin' : file);
  try {
    return parseFdt(bytes);
  } catch (error) {
    throw error instanceof InitkitError ? error.withSource(file) : error;
  }
}

/** fdtget <node> <property> pairs: each value printed on its own line, or the default when missing. */
function getValues(tree: Fdt, items: string[], type: ValueType, options: GetFlags): GetResult[] {
  const results: GetResult[] = [];
  for (let index = 0; index < items.length; index += 2) {
    const path = items[index]!;
    const name = items[index + 1]!;
    const property = lookup(tree, path, name, options.default !== undefined);
    if (property === undefined) {
      results.push({
        text: options.default!,
        json: { node: path, property: name, missing: true, default: options.default },
      });
      continue;
    }
    const text = formatFdtgetValue(property.value, type, `property "${name}" of ${path}`);
    results.push({ text, json: { node: path, ...propertyToJson(property), text } });
  }
  return results;
}

function lookup(tree: Fdt, path: string, name: string, allowMissing: boolean) {
  try {
    const property = findProperty(getNode(tree, path), name);
    if (property === undefined && !allowMissing) {
      throw new InitkitError('FDT_NOT_FOUND', `node ${path} has no property "${name}"`);
    }
    return property;
  } catch (error) {
    if (
      allowMissing &&
      error instanceof InitkitError &&
      (error.code === 'FDT_NOT_FOUND' || error.code === 'FDT_BAD_PATH')
    ) {
      return undefined;
    }
    throw error;
  }
}

/** fdtget -p / -l: the property names or subnode names of each node, one per line. */
function listNodes(tree: Fdt, paths: string[], mode: 'properties' | 'subnodes', options: GetFlags): GetResult[] {
  const results: GetResult[] = [];
  for (const path of paths) {
    let names: string[];
    try {
      const node = getNode(tree, path);
      names = mode === 'properties' ? node.properties.map((p) => p.name) : node.children.map((c) => c.name || '/');
    } catch (error) {
      if (options.default === undefined || !(error instanceof InitkitError)) throw error;
      results.push({ text: options.default, json: { node: path, missing: true, default: options.default } });
      continue;
    }
    for (const name of names)
      results.push({ text: name, json: { node: path, [mode === 'properties' ? 'property' : 'subnode']: name } });
  }
  return results;
}

/** fdtput's four operations on the parsed tree; any failure throws before anything is written. */
function applySet(tree: Fdt, items: string[], type: ValueType, options: SetFlags): void {
  if (options.create) {
    for (const path of items) {
      if (options.autoPath) ensureNode(tree, absolute(path));
      else createNode(tree, absolute(path));
    }
  } else if (options.remove) {
    for (const path of items) deleteNode(tree, path);
  } else if (options.delete) {
    const node = getNode(tree, items[0]!);
    for (const name of items.slice(1)) deleteProperty(node, name);
  } else {
    const [path, name, ...values] = items as [string, string, ...string[]];
    const value = encodeFdtputValue(values, type);
    if (options.verbose) describeValue(values, type, value.length);
    const node = options.autoPath ? ensureNode(tree, absolute(path)) : getNode(tree, path);
    setPropertyLikeLibfdt(tree, node, name, value);
  }
}

function absolute(path: string): string {
  if (!path.startsWith('/')) throw new InitkitError('FDT_BAD_PATH', `path "${path}": expected an absolute path`);
  return path;
}

/** fdtput -v: what each argument was decoded as. */
function describeValue(values: string[], type: ValueType, size: number): void {
  const lines = ['Decoding value:'];
  const encoded = encodeFdtputValue(values, type);
  const width = type.size ?? 4;
  values.forEach((value, index) => {
    if (type.conversion === 's') lines.push(`\tstring: '${value}'`);
    else {
      const at = index * width;
      let item = 0;
      for (let byte = 0; byte < width; byte++) item = item * 256 + encoded[at + byte]!;
      lines.push(`\t${width === 1 ? 'byte' : width === 2 ? 'short' : 'int'}: ${width === 4 ? item | 0 : item}`);
    }
  });
  lines.push(`Value size ${size}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}

async function dumpAction(file: string, options: { json?: boolean }): Promise<void> {
  const tree = await readTree(file);
  if (options.json) printJson(fdtToJson(tree));
  else process.stdout.write(Buffer.from(formatDts(tree), 'latin1'));
}

async function getAction(file: string, items: string[], options: GetFlags): Promise<void> {
  const type = options.type === undefined ? DEFAULT_TYPE : parseValueType(options.type);
  const mode = options.list ? 'subnodes' : options.properties ? 'properties' : 'value';
  if (mode === 'value' && items.length % 2 !== 0) {
    throw new UsageError('must have an even number of arguments (<node> <property> pairs)');
  }
  const tree = await readTree(file);
  const results = mode === 'value' ? getValues(tree, items, type, options) : listNodes(tree, items, mode, options);
  if (options.json) printJson(results.map((result) => result.json));
  else process.stdout.write(Buffer.from(results.map((result) => `${result.text}\n`).join(''), 'latin1'));
}

async function setAction(file: string, items: string[], options: SetFlags): Promise<void> {
  const modes = [options.create, options.remove, options.delete].filter(Boolean).length;
  if (modes > 1) throw new UsageError('-c, -r and -d are different operations: give at most one');
  const type = options.type === undefined ? DEFAULT_TYPE : parseValueType(options.type);
  if (!options.create && !options.remove && items.length < 1) throw new UsageError('missing node');
  if (!options.create && !options.remove && !options.delete && items.length < 2) {
    throw new UsageError('missing property');
  }
  const tree = await readTree(file);
  applySet(tree, items, type, options);
  await writeOutput(file, serializeFdt(tree));
}
