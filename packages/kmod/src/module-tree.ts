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
import { parseModinfo } from './modinfo.js';
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

/** What depmod needs from one module file. */
export function readDepmodModule(directory: string, path: string): DepmodModule {
  const fullPath = join(directory, path);
  try {
    const elf = readElfSections(fullPath);
    const modinfo = elf.section('.modinfo');
    const info = modinfo ? parseModinfo(elf.sectionBytes(modinfo), modinfo.offset) : [];
    const { exports, imports } = readModuleSymbols(elf);
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
 * An ElfFile over a buffer the size of the file in which only the header, the section table, the
 * section names and the depmod sections were read. A buffer from Buffer.allocUnsafe is not zeroed,
 * so the untouched pages of a large module cost neither reads nor memory.
 */
function readElfSections(path: string): ElfFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 64));
    readAt(fd, head, 0, head.length);
    if (!isElf(head)) return new ElfFile(decompressModule(new Uint8Array(readFileSync(path))).bytes);
    const buffer = Buffer.allocUnsafe(size);
    head.copy(buffer, 0);
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, size);
    const is64 = head[4] === 2;
    const little = head[5] === 1;
    const view = new DataView(bytes.buffer, bytes.byteOffset, Math.min(size, 64));
    if (size >= (is64 ? 64 : 52)) {
      const tableOffset = is64 ? Number(view.getBigUint64(40, little)) : view.getUint32(32, little);
      const entrySize = view.getUint16(is64 ? 58 : 46, little);
      const count = view.getUint16(is64 ? 60 : 48, little);
      readAt(fd, bytes, tableOffset, entrySize * count);
      const namesIndex = view.getUint16(is64 ? 62 : 50, little);
      readSection(fd, bytes, tableOffset + namesIndex * entrySize, is64, little);
    }
    const elf = new ElfFile(bytes);
    for (const name of DEPMOD_SECTIONS) {
      const section = elf.section(name);
      if (section) readAt(fd, bytes, section.offset, section.size);
    }
    return elf;
  } finally {
    closeSync(fd);
  }
}

/** Reads the contents of the section whose header is at `headerOffset` (already read). */
function readSection(fd: number, bytes: Uint8Array, headerOffset: number, is64: boolean, little: boolean): void {
  if (headerOffset + (is64 ? 40 : 24) > bytes.length) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset + headerOffset, is64 ? 40 : 24);
  const offset = is64 ? Number(view.getBigUint64(24, little)) : view.getUint32(16, little);
  const length = is64 ? Number(view.getBigUint64(32, little)) : view.getUint32(20, little);
  readAt(fd, bytes, offset, length);
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
