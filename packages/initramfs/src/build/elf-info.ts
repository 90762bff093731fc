/**
 * What the initrd builder needs from an executable or shared library, read from its program headers
 * (so stripped files work): the ELF machine and class, the program interpreter (PT_INTERP), and the
 * dynamic section's DT_NEEDED, DT_RUNPATH and DT_RPATH strings (through DT_STRTAB, mapped back to a
 * file offset by the PT_LOAD segments). Every read is bounds-checked.
 */
import { ByteReader } from '@initkit/core';
import { initramfsError } from '../errors.js';

export interface ElfInfo {
  machine: number;
  elfClass: 32 | 64;
  littleEndian: boolean;
  /** e_type: 2 executable, 3 shared object (or PIE), 1 relocatable (a kernel module). */
  type: number;
  interpreter?: string;
  needed: string[];
  runpath: string[];
  rpath: string[];
  /** The PT_LOAD segments' file ranges (what the program maps), in header order. */
  loads: { offset: number; vaddr: number; size: number }[];
}

/** ELF machine numbers initkit names in its messages (e_machine). */
export const ELF_MACHINES: Readonly<Record<number, string>> = {
  3: 'x86 (i386)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 's390',
  40: 'ARM',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};

export function machineName(machine: number): string {
  return ELF_MACHINES[machine] ?? `machine ${machine}`;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

export function isElfFile(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Reads the ELF header, interpreter and dynamic strings of `bytes` (`source` names the file in errors). */
export function readElfInfo(bytes: Uint8Array, source: string): ElfInfo {
  if (!isElfFile(bytes)) throw initramfsError('INITRAMFS_BAD_ELF', 'expected an ELF file (7f 45 4c 46)', { source });
  const elfClass = bytes[4] === 2 ? 64 : bytes[4] === 1 ? 32 : undefined;
  const littleEndian = bytes[5] === 1 ? true : bytes[5] === 2 ? false : undefined;
  if (elfClass === undefined || littleEndian === undefined) {
    throw initramfsError('INITRAMFS_BAD_ELF', `unknown ELF class ${bytes[4]} or data encoding ${bytes[5]}`, {
      source,
      offset: 4,
    });
  }
  const reader = new ByteReader(bytes, { truncatedCode: 'INITRAMFS_BAD_ELF', what: `${source}: ELF headers` });
  const u16 = (at: number) => (littleEndian ? reader.seek(at).u16le() : reader.seek(at).u16be());
  const u32 = (at: number) => (littleEndian ? reader.seek(at).u32le() : reader.seek(at).u32be());
  const word = (at: number) => (elfClass === 64 ? u64(at) : u32(at));
  const u64 = (at: number) => {
    const low = u32(littleEndian ? at : at + 4);
    const high = u32(littleEndian ? at + 4 : at);
    return high * 0x1_0000_0000 + low;
  };
  const type = u16(16);
  const machine = u16(18);
  const info: ElfInfo = { machine, elfClass, littleEndian, type, needed: [], runpath: [], rpath: [], loads: [] };
  if (type === 1) return info; // A relocatable object (a module) has no program headers.

  const phoff = word(elfClass === 64 ? 32 : 28);
  const phentsize = u16(elfClass === 64 ? 54 : 42);
  const phnum = u16(elfClass === 64 ? 56 : 44);
  const loads = info.loads;
  let dynamic: { offset: number; size: number } | undefined;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const pType = u32(at);
    const offset = elfClass === 64 ? u64(at + 8) : u32(at + 4);
    const vaddr = elfClass === 64 ? u64(at + 16) : u32(at + 8);
    const fileSize = elfClass === 64 ? u64(at + 32) : u32(at + 16);
    if (pType === PT_LOAD) loads.push({ vaddr, offset, size: fileSize });
    else if (pType === PT_DYNAMIC) dynamic = { offset, size: fileSize };
    else if (pType === PT_INTERP) info.interpreter = cString(bytes, offset, offset + fileSize, source);
  }
  if (!dynamic) return info;

  const entrySize = elfClass === 64 ? 16 : 8;
  const entries: { tag: number; value: number }[] = [];
  for (let at = dynamic.offset; at + entrySize <= dynamic.offset + dynamic.size; at += entrySize) {
    const tag = word(at);
    if (tag === 0) break;
    entries.push({ tag, value: word(at + entrySize / 2) });
  }
  const strtab = entries.find((entry) => entry.tag === DT_STRTAB)?.value;
  if (strtab === undefined) return info;
  const segment = loads.find((load) => strtab >= load.vaddr && strtab < load.vaddr + load.size);
  if (!segment) {
    throw initramfsError('INITRAMFS_BAD_ELF', `DT_STRTAB address 0x${strtab.toString(16)} is in no PT_LOAD segment`, {
      source,
    });
  }
  const tableStart = segment.offset + (strtab - segment.vaddr);
  const tableEnd = segment.offset + segment.size;
  for (const entry of entries) {
    if (entry.tag !== DT_NEEDED && entry.tag !== DT_RUNPATH && entry.tag !== DT_RPATH) continue;
    const text = cString(bytes, tableStart + entry.value, tableEnd, source);
    if (entry.tag === DT_NEEDED) info.needed.push(text);
    else (entry.tag === DT_RUNPATH ? info.runpath : info.rpath).push(...text.split(':').filter(Boolean));
  }
  return info;
}

function cString(bytes: Uint8Array, start: number, limit: number, source: string): string {
  const end = Math.min(limit, bytes.length);
  if (start >= end) throw initramfsError('INITRAMFS_BAD_ELF', 'string outside the file', { source, offset: start });
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  if (stop === end) throw initramfsError('INITRAMFS_BAD_ELF', 'unterminated string', { source, offset: start });
  return new TextDecoder('latin1').decode(bytes.subarray(start, stop));
}
