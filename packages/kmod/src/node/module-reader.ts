/**
 * Reading a module directory from disk for depmod: each module's .modinfo and symbols, touching only
 * the ELF sections depmod needs (header, section table, names, .modinfo, .symtab, .strtab, __versions,
 * __ksymtab_strings) so a whole distribution tree reads in a fraction of its size. Compressed modules
 * are read whole and handed to the caller's decompressor: this file does not load @initkit/compress,
 * so `depmod` of an uncompressed tree never pays for loading it.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { InitkitError } from '@initkit/core';
import type { DepmodModule } from '../depmod.js';
import { ElfFile } from '../elf.js';
import { Latin1Interner } from '../interner.js';
import { type ModinfoEntry, parseModinfo } from '../modinfo.js';
import { isElf } from '../module-compression.js';
import { isModuleFileName } from '../module-name.js';
import { readModuleSymbols } from '../module-symbols.js';

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
    const elf = readElfSections(fullPath, decompress);
    if (!elf) return undefined;
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

/**
 * An ElfFile over a buffer the size of the file in which only the header, the section table, the
 * section names and the depmod sections were read (the rest is never looked at).
 */
function readElfSections(path: string, decompress: ModuleDecompressor | undefined): ElfFile | undefined {
  const fd = openSync(path, 'r');
  try {
    const headLength = readAt(fd, scratchWithCapacity(64), 0, 64);
    let bytes = scratch;
    if (!isElf(bytes.subarray(0, headLength))) {
      return decompress ? new ElfFile(decompress(new Uint8Array(readFileSync(path)))) : undefined;
    }
    const is64 = bytes[4] === 2;
    const little = bytes[5] === 1;
    const hasHeader = headLength >= (is64 ? 64 : 52);
    const view = new DataView(bytes.buffer, bytes.byteOffset, 64);
    const tableOffset = !hasHeader ? 0 : is64 ? Number(view.getBigUint64(40, little)) : view.getUint32(32, little);
    const entrySize = hasHeader ? view.getUint16(is64 ? 58 : 46, little) : 0;
    const count = hasHeader ? view.getUint16(is64 ? 60 : 48, little) : 0;
    const namesIndex = hasHeader ? view.getUint16(is64 ? 62 : 50, little) : 0;
    // The section table ends a module, after its name table (.shstrtab) and before the signature: one
    // read from a little before the table to a little past it covers both, and, ending short at the
    // end of the file, gives the file's size without an fstat.
    let size = -1;
    let tailStart = Math.max(0, tableOffset - NAMES_SLACK);
    if (hasHeader && tableOffset >= 64) {
      const guessEnd = tableOffset + entrySize * count + SIGNATURE_SLACK;
      if (guessEnd <= MAX_GUESSED_SIZE) {
        bytes = scratchWithCapacity(guessEnd);
        // One pread: on a regular file only the end of the file makes it come up short.
        const got = readSync(fd, bytes, tailStart, guessEnd - tailStart, tailStart);
        if (got > 0 && tailStart + got < guessEnd) size = tailStart + got;
      }
    }
    if (size < 0) {
      size = fstatSync(fd).size;
      bytes = scratchWithCapacity(size);
      tailStart = Math.min(size, tailStart);
      if (size - tailStart > MAX_TAIL_BYTES) tailStart = size - Math.min(size, DEFAULT_TAIL_BYTES);
      readAt(fd, bytes, 0, Math.min(size, 64));
      readAt(fd, bytes, tailStart, size - tailStart);
    }
    bytes = bytes.subarray(0, size);
    if (size >= 64 || (hasHeader && size >= 52)) {
      readMissing(fd, bytes, tableOffset, entrySize * count, tailStart);
      readSection(fd, bytes, tableOffset + namesIndex * entrySize, is64, little, tailStart);
    }
    const elf = new ElfFile(bytes);
    // Read the wanted sections, merging neighbours (.symtab and .strtab are adjacent) into one read.
    elf.findSections(DEPMOD_SECTIONS);
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
      if (start >= 0) readMissing(fd, bytes, start, end - start, tailStart);
      start = section.offset;
      end = section.offset + section.size;
    }
    if (start >= 0) readMissing(fd, bytes, start, end - start, tailStart);
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
/** Bytes read past the section table: a module signature (about 700 bytes) and the file's end. */
const SIGNATURE_SLACK = 4096;
/** A section table this far into a file is read after an fstat (a corrupt header, or a huge file). */
const MAX_GUESSED_SIZE = 1 << 30;
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

/** Reads bytes [offset, offset + length) of the file into the same place of `bytes`, clipped to its end; returns the count read. */
function readAt(fd: number, bytes: Uint8Array, offset: number, length: number): number {
  const end = Math.min(offset + length, bytes.length);
  let position = offset;
  while (position < end) {
    const read = readSync(fd, bytes, position, end - position, position);
    if (read === 0) break;
    position += read;
  }
  return Math.max(0, position - offset);
}
