/**
 * Test helper: writes small relocatable ELF files shaped like kernel modules (.modinfo, .symtab,
 * .strtab, __versions, __ksymtab_strings) in any of the four classes/byte orders, so the reader can be
 * checked on 32/64-bit and big/little-endian inputs no toolchain here produces.
 */
export interface FakeSymbol {
  name: string;
  /** 0 = undefined (needed from elsewhere); otherwise defined in .text. */
  defined: boolean;
  weak?: boolean;
}

export interface FakeModuleOptions {
  elfClass?: 32 | 64;
  littleEndian?: boolean;
  /** e_machine; 62 (x86-64) by default. */
  machine?: number;
  modinfo?: string[];
  /** Raw .modinfo bytes instead of `modinfo` strings. */
  modinfoBytes?: Uint8Array;
  symbols?: FakeSymbol[];
  /** Exported names: each becomes a defined `__crc_<name>` symbol. */
  exports?: string[];
  /** __versions entries (symbol names). */
  versions?: string[];
  /** Exported names in a __ksymtab_strings section (kernels built without modversions). */
  ksymtabStrings?: string[];
}

interface Section {
  name: string;
  type: number;
  data: Uint8Array;
  link?: number;
  entrySize?: number;
}

const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;

export function buildFakeModule(options: FakeModuleOptions = {}): Uint8Array {
  const is64 = (options.elfClass ?? 64) === 64;
  const little = options.littleEndian ?? true;
  const encoder = new TextEncoder();
  const modinfo = options.modinfoBytes ?? encoder.encode(options.modinfo?.map((s) => `${s}\0`).join('') ?? '');

  const strtab = new StringTable();
  const symbolEntries: { name: number; info: number; shndx: number; value: number }[] = [];
  const textIndex = 1;
  for (const symbol of options.symbols ?? []) {
    symbolEntries.push({
      name: strtab.add(symbol.name),
      info: ((symbol.weak ? 2 : 1) << 4) | (symbol.defined ? 2 : 0),
      shndx: symbol.defined ? textIndex : 0,
      value: 0,
    });
  }
  for (const name of options.exports ?? []) {
    symbolEntries.push({ name: strtab.add(`__crc_${name}`), info: (1 << 4) | 0, shndx: 0xfff1, value: 0x12345678 });
  }
  const symbolSize = is64 ? 24 : 16;
  const symtab = new Uint8Array(symbolSize * (symbolEntries.length + 1));
  const symView = new DataView(symtab.buffer);
  symbolEntries.forEach((entry, i) => {
    const at = (i + 1) * symbolSize;
    symView.setUint32(at, entry.name, little);
    if (is64) {
      symtab[at + 4] = entry.info;
      symView.setUint16(at + 6, entry.shndx, little);
      symView.setBigUint64(at + 8, BigInt(entry.value), little);
    } else {
      symView.setUint32(at + 4, entry.value, little);
      symtab[at + 12] = entry.info;
      symView.setUint16(at + 14, entry.shndx, little);
    }
  });

  const sections: Section[] = [
    { name: '.text', type: SHT_PROGBITS, data: new Uint8Array([0xc3, 0, 0, 0]) },
    { name: '.modinfo', type: SHT_PROGBITS, data: modinfo },
  ];
  if (options.versions) {
    const crcSize = is64 ? 8 : 4;
    const data = new Uint8Array(64 * options.versions.length);
    options.versions.forEach((name, i) => {
      data.set(encoder.encode(name), i * 64 + crcSize);
    });
    sections.push({ name: '__versions', type: SHT_PROGBITS, data });
  }
  if (options.ksymtabStrings) {
    sections.push({
      name: '__ksymtab_strings',
      type: SHT_PROGBITS,
      data: encoder.encode(options.ksymtabStrings.map((name) => `${name}\0`).join('')),
    });
  }
  const symtabIndex = sections.length + 1;
  sections.push({ name: '.symtab', type: SHT_SYMTAB, data: symtab, link: symtabIndex + 1, entrySize: symbolSize });
  sections.push({ name: '.strtab', type: SHT_STRTAB, data: strtab.bytes() });
  const shstrtab = new StringTable();
  const nameOffsets = sections.map((section) => shstrtab.add(section.name));
  const shstrtabName = shstrtab.add('.shstrtab');
  sections.push({ name: '.shstrtab', type: SHT_STRTAB, data: new Uint8Array(0) });
  const shstrtabBytes = shstrtab.bytes();
  sections[sections.length - 1]!.data = shstrtabBytes;
  nameOffsets.push(shstrtabName);

  const headerSize = is64 ? 64 : 52;
  const sectionHeaderSize = is64 ? 64 : 40;
  let offset = headerSize;
  const offsets = sections.map((section) => {
    const at = offset;
    offset += section.data.length;
    offset = (offset + 7) & ~7;
    return at;
  });
  const tableOffset = offset;
  const total = tableOffset + sectionHeaderSize * (sections.length + 1);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, little ? 1 : 2, 1]);
  view.setUint16(16, 1, little); // ET_REL
  view.setUint16(18, options.machine ?? 62, little);
  view.setUint32(20, 1, little);
  if (is64) {
    view.setBigUint64(40, BigInt(tableOffset), little);
    view.setUint16(52, headerSize, little);
    view.setUint16(58, sectionHeaderSize, little);
    view.setUint16(60, sections.length + 1, little);
    view.setUint16(62, sections.length, little);
  } else {
    view.setUint32(32, tableOffset, little);
    view.setUint16(40, headerSize, little);
    view.setUint16(46, sectionHeaderSize, little);
    view.setUint16(48, sections.length + 1, little);
    view.setUint16(50, sections.length, little);
  }
  sections.forEach((section, i) => {
    out.set(section.data, offsets[i]!);
    const at = tableOffset + (i + 1) * sectionHeaderSize;
    view.setUint32(at, nameOffsets[i]!, little);
    view.setUint32(at + 4, section.type, little);
    if (is64) {
      view.setBigUint64(at + 24, BigInt(offsets[i]!), little);
      view.setBigUint64(at + 32, BigInt(section.data.length), little);
      view.setUint32(at + 40, section.link ?? 0, little);
      view.setBigUint64(at + 56, BigInt(section.entrySize ?? 0), little);
    } else {
      view.setUint32(at + 16, offsets[i]!, little);
      view.setUint32(at + 20, section.data.length, little);
      view.setUint32(at + 24, section.link ?? 0, little);
      view.setUint32(at + 36, section.entrySize ?? 0, little);
    }
  });
  return out;
}

class StringTable {
  private readonly parts: string[] = ['\0'];
  private length = 1;
  add(text: string): number {
    const at = this.length;
    this.parts.push(`${text}\0`);
    this.length += text.length + 1;
    return at;
  }
  bytes(): Uint8Array {
    return new TextEncoder().encode(this.parts.join(''));
  }
}

/** Appends a non-PKCS#7 signature block (id type X509) the way sign-file lays one out. */
export function appendFakeSignature(
  module: Uint8Array,
  signer: string,
  keyId: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  const signerBytes = new TextEncoder().encode(signer);
  const magic = new TextEncoder().encode('~Module signature appended~\n');
  const info = new Uint8Array(12);
  info[0] = 1; // RSA
  info[1] = 4; // sha256
  info[2] = 1; // X509
  info[3] = signerBytes.length;
  info[4] = keyId.length;
  new DataView(info.buffer).setUint32(8, signature.length, false);
  const out = new Uint8Array(module.length + signerBytes.length + keyId.length + signature.length + 12 + magic.length);
  let at = 0;
  for (const part of [module, signerBytes, keyId, signature, info, magic]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
