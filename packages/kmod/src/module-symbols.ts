/**
 * The symbols depmod links modules by, read as libkmod reads them: a module exports the names of its
 * `__crc_*` symbols (modversions) or, without those, the strings of `__ksymtab_strings`; it needs its
 * undefined .symtab symbols in table order, then the __versions entries no symbol used (module_layout).
 * The symbol tables are walked through ElfFile's DataView, not core's ByteReader: this is depmod's
 * hottest loop (every symbol of every module, bench/kmod).
 */
import { decodeShortLatin1, type ElfFile, SHN_UNDEF } from './elf.js';
import { kmodError } from './errors.js';
import type { Latin1Interner, NameDecoder } from './interner.js';

export interface ModuleSymbols {
  /** Exported symbol names, in .symtab order (or __ksymtab_strings order). */
  exports: string[];
  /** Needed symbol names: undefined symbols in .symtab order, then unused __versions entries. */
  imports: string[];
  /** Of `imports`, those bound weakly (STB_WEAK): an unresolved weak symbol is not an error. */
  weakImports: ReadonlySet<string>;
}

const CRC_PREFIX = '__crc_';
const CRC_PREFIX_BYTES = new TextEncoder().encode(CRC_PREFIX);
const STB_WEAK = 2;
const NO_WEAK_IMPORTS: ReadonlySet<string> = new Set();
const STT_REGISTER = 13;

export interface ReadModuleSymbolsOptions {
  /**
   * Intern names through this (a tree's modules share most of theirs) instead of decoding each
   * occurrence; also serves as the set of a module's imports when __versions is merged in. Internal:
   * depmod passes one; the interner class is not exported.
   */
  interner?: Latin1Interner;
}

export function readModuleSymbols(elf: ElfFile, options: ReadModuleSymbolsOptions = {}): ModuleSymbols {
  const interner = options.interner;
  const decodeName = interner ? interner.intern : decodeShortLatin1;
  interner?.newGeneration();
  const exports: string[] = [];
  const imports: string[] = [];
  // Most modules have no weak imports: one shared empty set instead of one per module of a tree.
  let weakImports: Set<string> | undefined;
  const symbolTable = elf.symbolTable();
  if (symbolTable) {
    const { symtab, strtab, entrySize } = symbolTable;
    const is64 = elf.elfClass === 64;
    // A hot loop over every symbol of every module: read the fields in place and decode only the
    // names depmod uses (undefined symbols, and defined ones that start with "__crc_").
    const { bytes, view, littleEndian } = elf;
    const skipRegisters = elf.hasRegisterSymbols;
    const infoAt = is64 ? 4 : 12;
    const sectionAt = is64 ? 6 : 14;
    const end = symtab.offset + symtab.size;
    const table = { start: strtab.offset, size: strtab.size };
    // "__crc_" is told from the many other "__" names (__func__, __UNIQUE_ID_*, __param_*, ...) by
    // its third byte, checked before the full prefix.
    const crcThird = CRC_PREFIX_BYTES[2]!;
    for (let at = symtab.offset + entrySize; at < end; at += entrySize) {
      const nameOffset = view.getUint32(at, littleEndian);
      const info = bytes[at + infoAt]!;
      if (view.getUint16(at + sectionAt, littleEndian) === SHN_UNDEF) {
        if (skipRegisters && (info & 0xf) === STT_REGISTER) continue;
        const start = strtab.offset + nameOffset;
        const nameEnd = elf.stringEnd(strtab.offset, strtab.size, nameOffset, 'symbol name');
        if (nameEnd === start) continue;
        const name = decodeName(bytes, start, nameEnd);
        interner?.markLast();
        imports.push(name);
        if (info >> 4 === STB_WEAK) {
          weakImports ??= new Set();
          weakImports.add(name);
        }
      } else if (
        nameOffset < strtab.size &&
        bytes[strtab.offset + nameOffset + 2] === crcThird &&
        elf.nameStartsWith(table, nameOffset, CRC_PREFIX_BYTES)
      ) {
        const start = strtab.offset + nameOffset;
        const nameEnd = elf.stringEnd(strtab.offset, strtab.size, nameOffset, 'symbol name');
        exports.push(decodeName(bytes, start + CRC_PREFIX.length, nameEnd));
      }
    }
  }
  if (exports.length === 0) exports.push(...ksymtabStrings(elf, decodeName));
  if (interner) {
    // The names interned here that were not marked as imports above: no Set per module.
    forEachVersionName(elf, (data, start, end) => {
      const name = interner.intern(data, start, end);
      if (!interner.lastIsMarked()) imports.push(name);
    });
  } else {
    const versions: string[] = [];
    forEachVersionName(elf, (data, start, end) => {
      versions.push(decodeName(data, start, end));
    });
    if (versions.length > 0) {
      const used = new Set(imports);
      for (const name of versions) if (!used.has(name)) imports.push(name);
    }
  }
  return { exports, imports, weakImports: weakImports ?? NO_WEAK_IMPORTS };
}

/** The NUL-separated names in __ksymtab_strings (kernels and modules built without modversions). */
function ksymtabStrings(elf: ElfFile, decodeName: NameDecoder): string[] {
  const data = elf.sectionData('__ksymtab_strings');
  if (!data) return [];
  const names: string[] = [];
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i === data.length || data[i] === 0) {
      if (i > start) names.push(decodeName(data, start, i));
      start = i + 1;
    }
  }
  return names;
}

/**
 * Calls `visit` with the bytes of each symbol name of the __versions section: 64-byte entries of a CRC
 * (4 bytes on 32-bit, 8 on 64-bit) and a NUL-padded name filling the rest. A section whose size is not
 * a whole number of entries is ignored, as libkmod does.
 */
function forEachVersionName(elf: ElfFile, visit: (data: Uint8Array, start: number, end: number) => void): void {
  const section = elf.section('__versions');
  if (!section) return;
  const data = elf.sectionBytes(section);
  const crcSize = elf.elfClass === 64 ? 8 : 4;
  const entrySize = 64;
  if (data.length % entrySize !== 0) return;
  for (let at = 0; at < data.length; at += entrySize) {
    const nameStart = at + crcSize;
    const limit = at + entrySize;
    let end = nameStart;
    while (end < limit && data[end] !== 0) end++;
    if (end === limit) {
      throw kmodError('KMOD_ELF_CORRUPT', `__versions entry ${at / entrySize} has an unterminated name`, {
        offset: section.offset + nameStart,
      });
    }
    visit(data, nameStart, end);
  }
}
