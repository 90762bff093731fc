/**
 * Reading a module directory from disk for depmod: each module's .modinfo and symbols, touching only
 * the ELF sections depmod needs (header, section table, names, .modinfo, .symtab, .strtab, __versions,
 * __ksymtab_strings) so a whole distribution tree reads in a fraction of its size. Compressed modules
 * are read whole and handed to the caller's decompressor: this file does not load @initkit/compress,
 * so `depmod` of an uncompressed tree never pays for loading it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InitkitError } from '@initkit/core';
import type { DepmodModule } from '../depmod.js';
import { ElfFile } from '../elf.js';
import { Latin1Interner } from '../interner.js';
import { type ModinfoEntry, parseModinfo } from '../modinfo.js';
import { isModuleFileName } from '../module-name.js';
import { readModuleSymbols } from '../module-symbols.js';
import { NOT_ELF, readModuleSections } from './module-sections.js';

/** Module files under `directory`, as sorted paths relative to it (directories named `source`/`build` skipped). */
export function listModuleFiles(directory: string): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(directory, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (relative === '' && (entry.name === 'source' || entry.name === 'build')) continue;
        walk(path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && isModuleFileName(entry.name)) {
        found.push(path);
      }
    }
  };
  walk('');
  return found.sort();
}

/**
 * The .modinfo keys depmod reads, as bytes; a whole tree holds tens of thousands of the others (parm,
 * firmware, description, ...), which are skipped without being decoded.
 */
const DEPMOD_KEYS = ['alias', 'softdep', 'depends'].map((key) => ({ key, bytes: new TextEncoder().encode(key) }));

/** Node's native UTF-8 slice (what TextDecoder gives, without a subarray per value). */
const nativeUtf8Slice = (globalThis as { Buffer?: { prototype: { utf8Slice?: unknown } } }).Buffer?.prototype
  .utf8Slice as ((this: Uint8Array, start: number, end: number) => string) | undefined;
const utf8 = new TextDecoder('utf-8');

/** parseModinfo(section) restricted to depmod's keys, decoding only their values. */
function depmodInfo(section: Uint8Array, sectionOffset: number): ModinfoEntry[] {
  const end = section.length;
  // A malformed section: parseModinfo reports it.
  if (end > 0 && section[end - 1] !== 0) return parseModinfo(section, sectionOffset);
  const entries: ModinfoEntry[] = [];
  let position = 0;
  while (position < end) {
    if (section[position] === 0) {
      position++;
      continue;
    }
    let stop = section.indexOf(0, position);
    if (stop < 0) stop = end;
    // An indexed loop: it runs for every entry of every module, mostly before V8 optimizes it, and
    // the interpreter's iterator protocol costs more than the comparisons.
    for (let k = 0; k < DEPMOD_KEYS.length; k++) {
      const { key, bytes } = DEPMOD_KEYS[k]!;
      if (section[position] !== bytes[0]) continue;
      let i = 1;
      while (i < bytes.length && section[position + i] === bytes[i]) i++;
      if (i < bytes.length) continue;
      const after = position + bytes.length;
      if (after === stop) entries.push({ key, value: '' });
      else if (section[after] === 0x3d) {
        const value = nativeUtf8Slice
          ? nativeUtf8Slice.call(section, after + 1, stop)
          : utf8.decode(section.subarray(after + 1, stop));
        entries.push({ key, value });
      }
      break;
    }
    position = stop + 1;
  }
  return entries;
}

/** One interner for a whole tree: a symbol name is decoded once however many modules use it. */
const symbolNames = new Latin1Interner();

/** ELF bytes of a compressed module file's contents. */
export type ModuleDecompressor = (bytes: Uint8Array) => Uint8Array;

/**
 * What depmod needs from the module file at `fullPath` (of .modinfo, only the alias, softdep and
 * depends entries), `path` being its path in the tree. Undefined when the file is compressed and no
 * decompressor was given.
 */
export function readDepmodModuleFile(
  fullPath: string,
  path: string,
  decompress: ModuleDecompressor | undefined,
): DepmodModule | undefined {
  try {
    let elf = readModuleSections(fullPath, scratchWithCapacity);
    if (elf === NOT_ELF) {
      if (!decompress) return undefined;
      elf = new ElfFile(decompress(new Uint8Array(readFileSync(fullPath))));
    }
    const modinfo = elf.section('.modinfo');
    const info = modinfo ? depmodInfo(elf.sectionBytes(modinfo), modinfo.offset) : [];
    const { exports, imports } = readModuleSymbols(elf, { interner: symbolNames });
    return { path, info, exports, imports };
  } catch (error) {
    throw error instanceof InitkitError ? error.withSource(fullPath) : error;
  }
}

/** The full paths of `paths` under `directory`, as join() gives them (normalized once for the directory). */
export function modulePaths(directory: string, paths: readonly string[]): string[] {
  const prefix = join(directory, '/');
  return paths.map((path) => (UNCLEAN_PATH.test(path) ? join(directory, path) : prefix + path));
}

/** A relative path that join() would change: absolute, with empty, "." or ".." segments. */
const UNCLEAN_PATH = /^\/|\/\/|(^|\/)\.\.?(\/|$)/;

/**
 * One scratch buffer for every file: readDepmodModuleFile turns what it needs into strings before the
 * next file is read, so a whole tree costs one allocation the size of its largest module.
 */
let scratch: Uint8Array = new Uint8Array(1 << 20);

/** The scratch buffer, grown to at least `size` bytes (keeping the ELF header read into its first 64). */
function scratchWithCapacity(size: number): Uint8Array {
  if (scratch.length < size) {
    const grown = new Uint8Array(Math.max(size, scratch.length * 2));
    grown.set(scratch.subarray(0, 64));
    scratch = grown;
  }
  return scratch;
}
