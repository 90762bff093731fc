/**
 * Reading a module directory from disk for depmod: each module's .modinfo and symbols, touching only
 * the ELF sections depmod needs (header, section table, names, .modinfo, .symtab, .strtab, __versions,
 * __ksymtab_strings) so a whole distribution tree reads in a fraction of its size. Compressed modules
 * are read whole and decompressed.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { InitkitError } from '@initkit/core';
import { decompressModule, isElf } from './decompress.js';
import type { DepmodModule } from './depmod.js';
import { ElfFile } from './elf.js';
import { Latin1Interner } from './interner.js';
import { type ModinfoEntry, parseModinfo } from './modinfo.js';
import { isModuleFileName } from './module-name.js';
import { readModuleSymbols } from './module-symbols.js';

const DEPMOD_SECTIONS = ['.modinfo', '.symtab', '.strtab', '__versions', '__ksymtab_strings'];

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
    for (const { key, bytes } of DEPMOD_KEYS) {
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

/** What depmod needs from one module file (of .modinfo, only the alias, softdep and depends entries). */
export function readDepmodModule(directory: string, path: string): DepmodModule {
  const fullPath = join(directory, path);
  try {
    const elf = readElfSections(fullPath);
    const modinfo = elf.section('.modinfo');
    const info = modinfo ? depmodInfo(elf.sectionBytes(modinfo), modinfo.offset) : [];
    const { exports, imports } = readModuleSymbols(elf, { decodeName: symbolNames.intern });
    return { path, info, exports, imports };
  } catch (error) {
    throw error instanceof InitkitError ? error.withSource(fullPath) : error;
  }
}

/** Every module of a directory, ready for depmod(). */
export function readDepmodModules(
  directory: string,
  paths: readonly string[] = listModuleFiles(directory),
): DepmodModule[] {
  return paths.map((path) => readDepmodModule(directory, path));
}

/**
 * One scratch buffer for every file: readDepmodModule turns what it needs into strings before the
 * next file is read, so a whole tree costs one allocation the size of its largest module.
 */
let scratch = new Uint8Array(0);

function scratchOfSize(size: number): Uint8Array {
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2, 1 << 20));
  return scratch.subarray(0, size);
}

/**
 * An ElfFile over a buffer the size of the file in which only the header, the section table, the
 * section names and the depmod sections were read (the rest is never looked at).
 */
function readElfSections(path: string): ElfFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = scratchOfSize(size);
    readAt(fd, bytes, 0, Math.min(size, 64));
    if (!isElf(bytes)) return new ElfFile(decompressModule(new Uint8Array(readFileSync(path))).bytes);
    const is64 = bytes[4] === 2;
    const little = bytes[5] === 1;
    const view = new DataView(bytes.buffer, bytes.byteOffset, Math.min(size, 64));
    const hasHeader = size >= (is64 ? 64 : 52);
    const tableOffset = !hasHeader ? size : is64 ? Number(view.getBigUint64(40, little)) : view.getUint32(32, little);
    // The section table ends a module and its name table (.shstrtab) comes just before it: one read
    // from a little before the table to the end of the file covers both.
    let tailStart = Math.max(0, Math.min(size, tableOffset) - NAMES_SLACK);
    if (size - tailStart > MAX_TAIL_BYTES) tailStart = size - Math.min(size, DEFAULT_TAIL_BYTES);
    readAt(fd, bytes, tailStart, size - tailStart);
    const tailLength = size - tailStart;
    if (hasHeader) {
      const entrySize = view.getUint16(is64 ? 58 : 46, little);
      const count = view.getUint16(is64 ? 60 : 48, little);
      const namesIndex = view.getUint16(is64 ? 62 : 50, little);
      readMissing(fd, bytes, tableOffset, entrySize * count, size - tailLength);
      readSection(fd, bytes, tableOffset + namesIndex * entrySize, is64, little, size - tailLength);
    }
    const elf = new ElfFile(bytes);
    // Read the wanted sections, merging neighbours (.symtab and .strtab are adjacent) into one read.
    const wanted = DEPMOD_SECTIONS.map((name) => elf.section(name)).filter((section) => section !== undefined);
    const symtab = elf.section('.symtab');
    const linked = symtab ? elf.sectionAt(symtab.link) : undefined;
    if (linked && !wanted.includes(linked)) wanted.push(linked);
    wanted.sort((a, b) => a.offset - b.offset);
    let start = -1;
    let end = -1;
    for (const section of wanted) {
      if (section.size === 0) continue;
      if (start >= 0 && section.offset <= end + MERGE_GAP) {
        end = Math.max(end, section.offset + section.size);
        continue;
      }
      if (start >= 0) readMissing(fd, bytes, start, end - start, size - tailLength);
      start = section.offset;
      end = section.offset + section.size;
    }
    if (start >= 0) readMissing(fd, bytes, start, end - start, size - tailLength);
    return elf;
  } finally {
    closeSync(fd);
  }
}

/**
 * The tail read of each module starts NAMES_SLACK bytes before its section table (the section names
 * sit there); a table that is not at the end of the file (more than MAX_TAIL_BYTES from it) is read
 * on its own after a tail of DEFAULT_TAIL_BYTES. Reads of sections closer than MERGE_GAP are merged.
 */
const NAMES_SLACK = 2048;
const MAX_TAIL_BYTES = 256 * 1024;
const DEFAULT_TAIL_BYTES = 16 * 1024;
const MERGE_GAP = 16 * 1024;

/** Reads [offset, offset + length) unless it lies inside the tail already read from `tailStart`. */
function readMissing(fd: number, bytes: Uint8Array, offset: number, length: number, tailStart: number): void {
  if (offset >= tailStart) return;
  readAt(fd, bytes, offset, Math.min(length, tailStart - offset));
}

/** Reads the contents of the section whose header is at `headerOffset` (already read). */
function readSection(
  fd: number,
  bytes: Uint8Array,
  headerOffset: number,
  is64: boolean,
  little: boolean,
  tailStart: number,
): void {
  if (headerOffset + (is64 ? 40 : 24) > bytes.length) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset + headerOffset, is64 ? 40 : 24);
  const offset = is64 ? Number(view.getBigUint64(24, little)) : view.getUint32(16, little);
  const length = is64 ? Number(view.getBigUint64(32, little)) : view.getUint32(20, little);
  readMissing(fd, bytes, offset, length, tailStart);
}

/** Reads bytes [offset, offset + length) of the file into the same place of `bytes`, clipped to its end. */
function readAt(fd: number, bytes: Uint8Array, offset: number, length: number): void {
  const end = Math.min(offset + length, bytes.length);
  let position = offset;
  while (position < end) {
    const read = readSync(fd, bytes, position, end - position, position);
    if (read === 0) break;
    position += read;
  }
}
