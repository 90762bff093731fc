/**
 * The text files of a module directory: modules.dep, modules.alias, modules.softdep, modules.builtin,
 * modules.order, and the NUL-separated modules.builtin.modinfo. Parsers report the file's line and
 * byte offset of a malformed line (KMOD_BAD_LINE).
 */

import { kmodError } from './errors.js';
import { moduleNameFromPath } from './module-name.js';

export interface ModuleDependencyLine {
  /** Module name derived from the path ('-' as '_'). */
  name: string;
  /** Path relative to the module directory. */
  path: string;
  /** Every dependency's path, nearest users first (load them last to first). */
  dependencies: string[];
  /** Where the line is in modules.dep (1-based line, offset of its first byte); absent for modules.dep.bin. */
  line?: number;
  offset?: number;
}

export interface AliasLine {
  /** A glob pattern (fnmatch) such as "pci:v00001AF4d00001000sv*sd*bc*sc*i*". */
  pattern: string;
  module: string;
}

export interface SoftdepLine {
  module: string;
  /** Modules to load before it. */
  pre: string[];
  /** Modules to load after it. */
  post: string[];
}

export interface BuiltinModinfoEntry {
  module: string;
  key: string;
  value: string;
}

interface Line {
  text: string;
  number: number;
  offset: number;
}

/** Non-empty, non-comment lines with their 1-based number and byte offset (ASCII files). */
function contentLines(text: string): Line[] {
  const lines: Line[] = [];
  let offset = 0;
  let number = 0;
  while (offset < text.length) {
    let end = text.indexOf('\n', offset);
    if (end < 0) end = text.length;
    number++;
    const line = text.slice(offset, end).trim();
    if (line !== '' && !line.startsWith('#')) lines.push({ text: line, number, offset });
    offset = end + 1;
  }
  return lines;
}

function badLine(file: string, line: Line, expected: string): never {
  throw kmodError('KMOD_BAD_LINE', `${file} line ${line.number}: expected ${expected}, found "${line.text}"`, {
    offset: line.offset,
    source: file,
  });
}

/** modules.dep: "path: dep1 dep2 ...". */
export function parseModulesDep(text: string): ModuleDependencyLine[] {
  return contentLines(text).map((line) => {
    const colon = line.text.indexOf(':');
    if (colon <= 0) badLine('modules.dep', line, '"module/path.ko: dependencies..."');
    const path = line.text.slice(0, colon);
    const rest = line.text.slice(colon + 1).trim();
    return {
      name: moduleNameFromPath(path),
      path,
      dependencies: rest === '' ? [] : rest.split(/\s+/),
      line: line.number,
      offset: line.offset,
    };
  });
}

export function formatModulesDep(lines: readonly ModuleDependencyLine[]): string {
  return lines
    .map((l) => (l.dependencies.length ? `${l.path}: ${l.dependencies.join(' ')}\n` : `${l.path}:\n`))
    .join('');
}

/** modules.alias (and modprobe.d style "alias PATTERN MODULE" lines). */
export function parseModulesAlias(text: string): AliasLine[] {
  return contentLines(text).map((line) => {
    const words = line.text.split(/\s+/);
    if (words.length !== 3 || words[0] !== 'alias') badLine('modules.alias', line, '"alias PATTERN MODULE"');
    return { pattern: words[1]!, module: words[2]! };
  });
}

/** modules.softdep: "softdep MODULE pre: a b post: c". */
export function parseModulesSoftdep(text: string): SoftdepLine[] {
  return contentLines(text).map((line) => {
    const words = line.text.split(/\s+/);
    if (words.length < 2 || words[0] !== 'softdep')
      badLine('modules.softdep', line, '"softdep MODULE pre: ... post: ..."');
    return { module: words[1]!, ...parseSoftdepValue(words.slice(2).join(' ')) };
  });
}

/** A `softdep=` value or the tail of a softdep line: "pre: a b post: c" (either part optional). */
export function parseSoftdepValue(value: string): { pre: string[]; post: string[] } {
  const pre: string[] = [];
  const post: string[] = [];
  let into: string[] | undefined;
  for (const word of value.split(/\s+/)) {
    if (word === '') continue;
    if (word === 'pre:') into = pre;
    else if (word === 'post:') into = post;
    else into?.push(word);
  }
  return { pre, post };
}

/** modules.builtin and modules.order: one module path a line. */
export function parseBuiltin(text: string): string[] {
  return contentLines(text).map((line) => line.text);
}

export const parseModulesOrder = parseBuiltin;

/** modules.builtin.modinfo: "module.key=value" strings separated by NULs. */
export function parseBuiltinModinfo(bytes: Uint8Array): BuiltinModinfoEntry[] {
  const decoder = new TextDecoder('utf-8');
  const entries: BuiltinModinfoEntry[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0, start);
    if (end < 0) end = bytes.length;
    if (end > start) {
      const text = decoder.decode(bytes.subarray(start, end));
      const dot = text.indexOf('.');
      const equals = text.indexOf('=', dot + 1);
      if (dot <= 0 || equals < 0) {
        throw kmodError('KMOD_BAD_LINE', `modules.builtin.modinfo: expected "module.key=value", found "${text}"`, {
          offset: start,
          source: 'modules.builtin.modinfo',
        });
      }
      entries.push({ module: text.slice(0, dot), key: text.slice(dot + 1, equals), value: text.slice(equals + 1) });
    }
    start = end + 1;
  }
  return entries;
}
