/**
 * Reading only the parts of a module file depmod looks at (ELF header, section table, section names,
 * .modinfo, .symtab and its string table, __versions, __ksymtab_strings) into a buffer laid out like
 * the file, so an ElfFile can be built over it while most of the file is never read. The buffer comes
 * from the caller: the main thread grows one scratch buffer, the read-ahead worker fills fixed slots of
 * shared memory.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ElfFile } from '../elf.js';
import { isElf } from '../module-compression.js';

const DEPMOD_SECTIONS = ['.modinfo', '.symtab', '.strtab', '__versions', '__ksymtab_strings'];

/**
 * A buffer of at least `size` bytes whose first 64 hold what was read into the previous one (the ELF
 * header), or undefined when this reader cannot hold a file that large.
 */
export type SectionBuffer = (size: number) => Uint8Array | undefined;

/** The file does not start with the ELF magic (a compressed module): nothing was read but its head. */
export const NOT_ELF = 'not-elf';
/** The file needs more room than the buffer provider gives. */
export const TOO_LARGE = 'too-large';

/**
 * An ElfFile over a buffer the size of the file in which only the header, the section table, the
 * section names and the depmod sections were read (the rest is never looked at).
 */
export function readModuleSections(
  path: string,
  bufferFor: SectionBuffer,
): ElfFile | typeof NOT_ELF | typeof TOO_LARGE {
  const fd = openSync(path, 'r');
  try {
    let bytes = bufferFor(64);
    if (!bytes) return TOO_LARGE;
    const headLength = readAt(fd, bytes, 0, 64);
    if (!isElf(bytes.subarray(0, headLength))) return NOT_ELF;
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
        // A file shorter than the guess still fits; a longer one is found too large below.
        bytes = bufferFor(guessEnd) ?? bufferFor(tableOffset + entrySize * count);
        if (!bytes) return TOO_LARGE;
        // One pread: on a regular file only the end of the file makes it come up short.
        const wanted = Math.min(guessEnd, bytes.length) - tailStart;
        const got = readSync(fd, bytes, tailStart, wanted, tailStart);
        if (got > 0 && got < wanted) size = tailStart + got;
      }
    }
    if (size < 0) {
      size = fstatSync(fd).size;
      const grown = bufferFor(size);
      if (!grown) return TOO_LARGE;
      bytes = grown;
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
