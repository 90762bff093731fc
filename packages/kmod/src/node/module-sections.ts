/**
 * Reading only the parts of a module file depmod looks at (ELF header, section table, section names,
 * .modinfo, .symtab and its string table, __versions, __ksymtab_strings) into a buffer laid out like
 * the file, so an ElfFile can be built over it while most of the file is never read. The buffer comes
 * from the caller (module-reader reuses one scratch buffer for a whole tree).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ElfFile, type ElfSection } from '../elf.js';

const DEPMOD_SECTIONS = ['.modinfo', '.symtab', '.strtab', '__versions', '__ksymtab_strings'];

/** A buffer of at least `size` bytes whose first 64 hold what was read into the previous one (the ELF header). */
export type SectionBuffer = (size: number) => Uint8Array;

/** The file does not start with the ELF magic (a compressed module): nothing was read but its head. */
export const NOT_ELF = 'not-elf';

/**
 * An ElfFile over a buffer the size of the file in which only the header, the section table, the
 * section names and the depmod sections were read (the rest is never looked at).
 */
export function readModuleSections(path: string, bufferFor: SectionBuffer): ElfFile | typeof NOT_ELF {
  const fd = openSync(path, 'r');
  try {
    let bytes = bufferFor(64);
    const headLength = readAt(fd, bytes, 0, 64);
    if (headLength < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
      return NOT_ELF;
    }
    const is64 = bytes[4] === 2;
    const little = bytes[5] === 1;
    const hasHeader = headLength >= (is64 ? 64 : 52);
    const tableOffset = !hasHeader ? 0 : is64 ? readUint(bytes, 40, 8, little) : readUint(bytes, 32, 4, little);
    const entrySize = hasHeader ? readUint(bytes, is64 ? 58 : 46, 2, little) : 0;
    const count = hasHeader ? readUint(bytes, is64 ? 60 : 48, 2, little) : 0;
    const namesIndex = hasHeader ? readUint(bytes, is64 ? 62 : 50, 2, little) : 0;
    // The section table ends a module, after its name table (.shstrtab) and before the signature: one
    // read from a little before the table to a little past it covers both, and, ending short at the
    // end of the file, gives the file's size without an fstat.
    let size = -1;
    let tailStart = Math.max(0, tableOffset - NAMES_SLACK);
    if (hasHeader && tableOffset >= 64) {
      const guessEnd = tableOffset + entrySize * count + SIGNATURE_SLACK;
      if (guessEnd <= MAX_GUESSED_SIZE) {
        bytes = bufferFor(guessEnd);
        // One pread: on a regular file only the end of the file makes it come up short.
        const got = readSync(fd, bytes, tailStart, guessEnd - tailStart, tailStart);
        if (got > 0 && tailStart + got < guessEnd) size = tailStart + got;
      }
    }
    if (size < 0) {
      size = fstatSync(fd).size;
      bytes = bufferFor(size);
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
    const wanted: ElfSection[] = [];
    for (let k = 0; k < DEPMOD_SECTIONS.length; k++) {
      const section = elf.section(DEPMOD_SECTIONS[k]!);
      if (section) wanted.push(section);
    }
    const symtab = elf.section('.symtab');
    const linked = symtab ? elf.sectionAt(symtab.link) : undefined;
    if (linked && !wanted.includes(linked)) wanted.push(linked);
    sortByOffset(wanted);
    let start = -1;
    let end = -1;
    for (let k = 0; k < wanted.length; k++) {
      const section = wanted[k]!;
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
  const offset = readUint(bytes, headerOffset + (is64 ? 24 : 16), is64 ? 8 : 4, little);
  const length = readUint(bytes, headerOffset + (is64 ? 32 : 20), is64 ? 8 : 4, little);
  readMissing(fd, bytes, offset, length, tailStart);
}

/**
 * An unsigned integer of `size` bytes at `at`, in the file's byte order, read byte by byte (no
 * DataView or BigInt per module). A 64-bit value past 2^53 comes out inexact; ElfFile rejects it.
 */
function readUint(bytes: Uint8Array, at: number, size: number, little: boolean): number {
  let value = 0;
  if (little) for (let i = size - 1; i >= 0; i--) value = value * 256 + bytes[at + i]!;
  else for (let i = 0; i < size; i++) value = value * 256 + bytes[at + i]!;
  return value;
}

/** Sorts a handful of sections by file offset (insertion sort: no comparator closure per module). */
function sortByOffset(sections: ElfSection[]): void {
  for (let i = 1; i < sections.length; i++) {
    const section = sections[i]!;
    let j = i - 1;
    for (; j >= 0 && sections[j]!.offset > section.offset; j--) sections[j + 1] = sections[j]!;
    sections[j + 1] = section;
  }
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
