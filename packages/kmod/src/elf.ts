/**
 * A minimal ELF reader for kernel modules (relocatable objects): 32 and 64-bit, little and big endian.
 * It reads the header and section table, finds sections by name, and walks the symbol table; every
 * offset is checked against the input, so a truncated or corrupt module throws KMOD_ELF_* errors.
 * It reads through its own DataView rather than core's ByteReader: depmod opens every module of a tree
 * (4,023 in bench/kmod) and reads at random offsets in the file's byte order, where a cursor object per
 * module and a bounds check per read cost measurable time (RESULTS.md, kmod: no DataView per module).
 */
import { kmodError } from './errors.js';

export type ElfClass = 32 | 64;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  entrySize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  /** The section index the symbol is defined in; 0 (SHN_UNDEF) for undefined symbols. */
  sectionIndex: number;
  /** STB_LOCAL 0, STB_GLOBAL 1, STB_WEAK 2. */
  bind: number;
  /** STT_NOTYPE 0, STT_OBJECT 1, STT_FUNC 2, ... */
  type: number;
}

export const SHT_NOBITS = 8;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
const SHN_XINDEX = 0xffff;
const EM_SPARC = 2;
const EM_SPARCV9 = 43;
const STT_REGISTER = 13;

const latin1 = new TextDecoder('latin1');

/** Node's Buffer has a native Latin-1 slice several times faster than TextDecoder on short strings. */
const nativeLatin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: unknown } } }).Buffer?.prototype
  .latin1Slice as ((this: Uint8Array, start: number, end: number) => string) | undefined;

/** Latin-1 text of bytes[start..end): symbol and section names, decoded by the hundred thousand. */
export function decodeShortLatin1(bytes: Uint8Array, start: number, end: number): string {
  if (nativeLatin1Slice) return nativeLatin1Slice.call(bytes, start, end);
  if (end - start > 64) return latin1.decode(bytes.subarray(start, end));
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

const nameBytes = new Map<string, Uint8Array>();

function asciiBytes(name: string): Uint8Array {
  let bytes = nameBytes.get(name);
  if (!bytes) {
    bytes = new Uint8Array(name.length);
    for (let i = 0; i < name.length; i++) bytes[i] = name.charCodeAt(i) & 0xff;
    if (nameBytes.size < 256) nameBytes.set(name, bytes);
  }
  return bytes;
}

export class ElfFile {
  readonly bytes: Uint8Array;
  readonly elfClass: ElfClass;
  readonly littleEndian: boolean;
  /** e_machine: 3 x86, 40 ARM, 62 x86-64, 183 AArch64, ... */
  readonly machine: number;
  /** Number of entries in the section table. */
  readonly sectionCount: number;
  /** A DataView over `bytes`, for callers that walk tables in the file's byte order. */
  readonly view: DataView;
  private readonly tableOffset: number;
  private readonly headerSize: number;
  private readonly namesOffset: number;
  private readonly namesSize: number;
  // Sections are described on demand: depmod looks up six of a module's forty-odd sections, and a
  // tree has thousands of modules.
  private readonly described: (ElfSection | undefined)[];
  private readonly byName = new Map<string, ElfSection | undefined>();
  private all: ElfSection[] | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
      const found = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw kmodError('KMOD_ELF_BAD_MAGIC', `expected ELF magic 7f 45 4c 46, found ${found || 'nothing'}`, {
        offset: 0,
      });
    }
    const classByte = bytes[4];
    if (classByte !== 1 && classByte !== 2) {
      throw kmodError('KMOD_ELF_CORRUPT', `ELF class ${classByte} is neither 1 (32-bit) nor 2 (64-bit)`, {
        offset: 4,
      });
    }
    const dataByte = bytes[5];
    if (dataByte !== 1 && dataByte !== 2) {
      throw kmodError('KMOD_ELF_CORRUPT', `ELF data encoding ${dataByte} is neither 1 (LSB) nor 2 (MSB)`, {
        offset: 5,
      });
    }
    this.elfClass = classByte === 1 ? 32 : 64;
    this.littleEndian = dataByte === 1;
    const is64 = this.elfClass === 64;
    this.need(0, is64 ? 64 : 52, 'ELF header');
    this.machine = this.u16(18);
    const sectionTableOffset = is64 ? this.u64(40, 'e_shoff') : this.u32(32);
    const sectionHeaderSize = this.u16(is64 ? 58 : 46);
    let sectionCount = this.u16(is64 ? 60 : 48);
    let namesIndex = this.u16(is64 ? 62 : 50);
    const expectedHeaderSize = is64 ? 64 : 40;
    if (sectionTableOffset === 0) {
      throw kmodError('KMOD_ELF_CORRUPT', 'the ELF file has no section table (e_shoff is 0)', {
        offset: is64 ? 40 : 32,
      });
    }
    if (sectionHeaderSize !== expectedHeaderSize) {
      throw kmodError(
        'KMOD_ELF_CORRUPT',
        `section header size is ${sectionHeaderSize}, expected ${expectedHeaderSize}`,
        { offset: is64 ? 58 : 46 },
      );
    }
    // Extended numbering: counts too large for 16 bits live in section 0.
    this.need(sectionTableOffset, sectionHeaderSize, 'section header 0');
    if (sectionCount === 0)
      sectionCount = is64 ? this.u64(sectionTableOffset + 32, 'sh_size') : this.u32(sectionTableOffset + 20);
    if (namesIndex === SHN_XINDEX) namesIndex = this.u32(sectionTableOffset + (is64 ? 40 : 24));
    this.need(sectionTableOffset, sectionCount * sectionHeaderSize, `section table of ${sectionCount} entries`);
    if (namesIndex >= sectionCount) {
      throw kmodError(
        'KMOD_ELF_CORRUPT',
        `section name table index ${namesIndex} is out of range (${sectionCount} sections)`,
        { offset: is64 ? 62 : 50 },
      );
    }
    this.tableOffset = sectionTableOffset;
    this.headerSize = sectionHeaderSize;
    this.sectionCount = sectionCount;
    const namesHeader = sectionTableOffset + namesIndex * sectionHeaderSize;
    this.namesOffset = is64 ? this.u64(namesHeader + 24, 'sh_offset') : this.u32(namesHeader + 16);
    this.namesSize = is64 ? this.u64(namesHeader + 32, 'sh_size') : this.u32(namesHeader + 20);
    this.need(this.namesOffset, this.namesSize, 'section name table', namesHeader);
    // Every section's contents must lie inside the file, checked up front so a truncated module fails
    // here whatever is looked up later.
    for (let index = 1; index < sectionCount; index++) {
      const at = sectionTableOffset + index * sectionHeaderSize;
      if (this.u32(at + 4) === SHT_NOBITS) continue;
      const offset = is64 ? this.u64(at + 24, 'sh_offset') : this.u32(at + 16);
      const size = is64 ? this.u64(at + 32, 'sh_size') : this.u32(at + 20);
      // The label is built only for the error: this loop runs for every section of every module.
      if (offset + size > bytes.length) this.need(offset, size, `section ${index} contents`, at);
    }
    this.described = new Array(sectionCount);
  }

  /** Every section, in table order (names decoded on first use). */
  get sections(): ElfSection[] {
    if (!this.all) {
      this.all = [];
      for (let index = 0; index < this.sectionCount; index++) this.all.push(this.sectionAt(index)!);
    }
    return this.all;
  }

  /** The section at `index` of the table, or undefined past its end. */
  sectionAt(index: number): ElfSection | undefined {
    if (index < 0 || index >= this.sectionCount) return undefined;
    let section = this.described[index];
    if (!section) {
      const is64 = this.elfClass === 64;
      const at = this.tableOffset + index * this.headerSize;
      section = {
        index,
        name: this.cString(this.namesOffset, this.namesSize, this.u32(at), 'section name'),
        type: this.u32(at + 4),
        flags: is64 ? this.u64(at + 8, 'sh_flags') : this.u32(at + 8),
        offset: is64 ? this.u64(at + 24, 'sh_offset') : this.u32(at + 16),
        size: is64 ? this.u64(at + 32, 'sh_size') : this.u32(at + 20),
        link: this.u32(at + (is64 ? 40 : 24)),
        entrySize: is64 ? this.u64(at + 56, 'sh_entsize') : this.u32(at + 36),
      };
      this.described[index] = section;
    }
    return section;
  }

  /** The first section with this name, or undefined. Compares name bytes without decoding every name. */
  section(name: string): ElfSection | undefined {
    if (this.byName.has(name)) return this.byName.get(name);
    const wanted = asciiBytes(name);
    let found: ElfSection | undefined;
    for (let index = 0; index < this.sectionCount && !found; index++) {
      const nameOffset = this.u32(this.tableOffset + index * this.headerSize);
      if (nameOffset + wanted.length >= this.namesSize) continue;
      const at = this.namesOffset + nameOffset;
      let same = this.bytes[at + wanted.length] === 0;
      for (let i = 0; same && i < wanted.length; i++) same = this.bytes[at + i] === wanted[i];
      if (same) found = this.sectionAt(index);
    }
    this.byName.set(name, found);
    return found;
  }

  /**
   * Looks up several names in one pass over the section table (then section() answers from its
   * cache): cheaper than one scan per name when a caller knows the sections it will ask for.
   */
  findSections(names: readonly string[]): void {
    // Indexed loops and arrays filled by push (one array shape whatever the names): this runs once
    // per module of a tree, mostly before V8 has optimized it.
    const wanted: Uint8Array[] = [];
    const wantedNames: string[] = [];
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!;
      if (this.byName.has(name)) continue;
      wanted.push(asciiBytes(name));
      wantedNames.push(name);
    }
    const found: number[] = [];
    for (let k = 0; k < wanted.length; k++) found.push(-1);
    let left = wanted.length;
    const bytes = this.bytes;
    for (let index = 0; index < this.sectionCount && left > 0; index++) {
      const nameOffset = this.u32(this.tableOffset + index * this.headerSize);
      const at = this.namesOffset + nameOffset;
      const first = bytes[at];
      for (let k = 0; k < wanted.length; k++) {
        const name = wanted[k]!;
        if (found[k] !== -1 || name[0] !== first || nameOffset + name.length >= this.namesSize) continue;
        let same = bytes[at + name.length] === 0;
        for (let i = 1; same && i < name.length; i++) same = bytes[at + i] === name[i];
        if (same) {
          found[k] = index;
          left--;
        }
      }
    }
    for (let k = 0; k < wanted.length; k++) {
      const index = found[k]!;
      this.byName.set(wantedNames[k]!, index < 0 ? undefined : this.sectionAt(index));
    }
  }

  /** The bytes of a section (empty for SHT_NOBITS), as a zero-copy view. */
  sectionBytes(section: ElfSection): Uint8Array {
    if (section.type === SHT_NOBITS) return new Uint8Array(0);
    return this.bytes.subarray(section.offset, section.offset + section.size);
  }

  /** The bytes of the named section, or undefined when the module has no such section. */
  sectionData(name: string): Uint8Array | undefined {
    const section = this.section(name);
    return section ? this.sectionBytes(section) : undefined;
  }

  /** Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) from the file in its byte order. */
  readUint(offset: number, size: number): number {
    this.need(offset, size, 'value');
    switch (size) {
      case 1:
        return this.bytes[offset]!;
      case 2:
        return this.u16(offset);
      case 4:
        return this.u32(offset);
      default:
        return this.u64(offset, 'value');
    }
  }

  /**
   * The .symtab entries (without the null entry 0), with names from its linked string table. Returns
   * undefined when the module has no .symtab. Entries past the end or names outside the table throw.
   */
  symbols(): ElfSymbol[] | undefined {
    const table = this.symbolTable();
    if (!table) return undefined;
    const { symtab, strtab, entrySize } = table;
    const is64 = this.elfClass === 64;
    const count = symtab.size / entrySize;
    const symbols: ElfSymbol[] = [];
    for (let i = 1; i < count; i++) {
      const at = symtab.offset + i * entrySize;
      const nameOffset = this.u32(at);
      const info = this.bytes[at + (is64 ? 4 : 12)]!;
      const sectionIndex = this.u16(at + (is64 ? 6 : 14));
      const value = is64 ? this.u64(at + 8, 'st_value') : this.u32(at + 4);
      symbols.push({
        name: this.cString(strtab.offset, strtab.size, nameOffset, `symbol ${i} name`),
        value,
        sectionIndex,
        bind: info >> 4,
        type: info & 0xf,
      });
    }
    return symbols;
  }

  /**
   * The .symtab section with its string table and entry size, checked: a link to no section, or a size
   * that is not a whole number of entries, throws KMOD_ELF_CORRUPT. Undefined without a .symtab.
   */
  symbolTable(): { symtab: ElfSection; strtab: ElfSection; entrySize: number } | undefined {
    const symtab = this.section('.symtab');
    if (!symtab) return undefined;
    const strtab = this.sectionAt(symtab.link) ?? this.section('.strtab');
    if (!strtab) {
      throw kmodError('KMOD_ELF_CORRUPT', `.symtab links to section ${symtab.link}, which does not exist`);
    }
    const entrySize = this.elfClass === 64 ? 24 : 16;
    if (symtab.size % entrySize !== 0) {
      throw kmodError(
        'KMOD_ELF_CORRUPT',
        `.symtab is ${symtab.size} bytes, not a multiple of the ${entrySize}-byte entry size`,
        { offset: symtab.offset },
      );
    }
    return { symtab, strtab, entrySize };
  }

  /** The NUL-terminated name at `index` in the string table at [start, start + size). */
  nameAt(table: { start: number; size: number }, index: number): string {
    return this.cString(table.start, table.size, index, 'symbol name');
  }

  /** Whether the name at `index` of a string table starts with `prefix` (ASCII), without decoding it. */
  nameStartsWith(table: { start: number; size: number }, index: number, prefix: Uint8Array): boolean {
    const at = table.start + index;
    if (index + prefix.length > table.size) return false;
    for (let i = 0; i < prefix.length; i++) if (this.bytes[at + i] !== prefix[i]) return false;
    return true;
  }

  /** Whether undefined STT_REGISTER symbols must be skipped (SPARC global register declarations). */
  get hasRegisterSymbols(): boolean {
    return this.machine === EM_SPARC || this.machine === EM_SPARCV9;
  }

  static readonly STT_REGISTER = STT_REGISTER;

  private u16(offset: number): number {
    return this.view.getUint16(offset, this.littleEndian);
  }

  private u32(offset: number): number {
    return this.view.getUint32(offset, this.littleEndian);
  }

  private u64(offset: number, what: string): number {
    const low = this.view.getUint32(offset + (this.littleEndian ? 0 : 4), this.littleEndian);
    const high = this.view.getUint32(offset + (this.littleEndian ? 4 : 0), this.littleEndian);
    if (high > 0x1fffff) {
      throw kmodError('KMOD_ELF_CORRUPT', `${what} ${this.view.getBigUint64(offset, this.littleEndian)} is too large`, {
        offset,
      });
    }
    return high * 0x100000000 + low;
  }

  private need(offset: number, count: number, what: string, reportAt = offset): void {
    if (offset < 0 || count < 0 || offset + count > this.bytes.length) {
      throw kmodError(
        'KMOD_ELF_TRUNCATED',
        `${what}: needs bytes ${offset}..${offset + count} but the file is ${this.bytes.length} bytes`,
        { offset: reportAt },
      );
    }
  }

  /** A NUL-terminated string at `start + index` inside a table of `size` bytes at `start`. */
  private cString(start: number, size: number, index: number, what: string): string {
    return decodeShortLatin1(this.bytes, start + index, this.stringEnd(start, size, index, what));
  }

  /**
   * Where the NUL-terminated string at `start + index` of a table of `size` bytes at `start` ends (the
   * offset of its NUL in `bytes`), for callers that compare or intern names without decoding each one.
   */
  stringEnd(start: number, size: number, index: number, what: string): number {
    if (index >= size) {
      throw kmodError('KMOD_ELF_CORRUPT', `${what} at index ${index} is outside its ${size}-byte table`, {
        offset: start,
      });
    }
    // A loop rather than indexOf: names average 16 bytes, and a builtin call per symbol of a tree
    // costs more than the scan.
    const bytes = this.bytes;
    const limit = start + size;
    let end = start + index;
    while (end < limit && bytes[end] !== 0) end++;
    if (end >= limit) {
      throw kmodError('KMOD_ELF_CORRUPT', `${what} at index ${index} has no terminating NUL in its table`, {
        offset: start + index,
      });
    }
    return end;
  }
}
