/**
 * xz's branch/call/jump (BCJ) filters, decode direction: executable code stores relative branch targets
 * as absolute ones so they compress better; decoding turns them back. Each filter rewrites a buffer in
 * place and returns how many leading bytes are final (a branch may straddle the end; the caller keeps
 * the rest for later, or leaves it as is at the end of the block, as the encoder did).
 */
import type { InitkitError } from '@initkit/core';
import { compressError } from '../errors.js';

export interface BranchFilter {
  /** Decodes `buffer[start..end)` in place; returns how many bytes from `start` are done. */
  decode(buffer: Uint8Array, start: number, end: number): number;
}

const X86_ALLOWED = [true, true, true, false, true, false, false, false];
const X86_BIT_NUMBER = [0, 1, 2, 2, 3, 3, 3, 3];

function isX86MostSignificantByte(b: number): boolean {
  return b === 0 || b === 0xff;
}

/** x86 (E8 call / E9 jump), with the previous-byte mask that avoids false positives. */
export class X86Filter implements BranchFilter {
  private position: number;
  private previousMask = 0;
  private previousPosition: number;

  constructor(startOffset: number) {
    this.position = startOffset;
    this.previousPosition = (startOffset - 5) >>> 0;
  }

  decode(buffer: Uint8Array, start: number, end: number): number {
    const size = end - start;
    if (size < 5) return 0;
    const nowPos = this.position;
    let previousMask = this.previousMask;
    let previousPosition = this.previousPosition;
    if ((nowPos - previousPosition) >>> 0 > 5) previousPosition = (nowPos - 5) >>> 0;
    const limit = size - 5;
    let i = 0;
    while (i <= limit) {
      let b = buffer[start + i]!;
      if (b !== 0xe8 && b !== 0xe9) {
        i++;
        continue;
      }
      const offset = (nowPos + i - previousPosition) >>> 0;
      previousPosition = (nowPos + i) >>> 0;
      if (offset > 5) {
        previousMask = 0;
      } else {
        for (let k = 0; k < offset; k++) previousMask = ((previousMask & 0x77) << 1) & 0xff;
      }
      b = buffer[start + i + 4]!;
      if (isX86MostSignificantByte(b) && X86_ALLOWED[(previousMask >>> 1) & 7] && previousMask >>> 1 < 0x10) {
        let src =
          ((b << 24) | (buffer[start + i + 3]! << 16) | (buffer[start + i + 2]! << 8) | buffer[start + i + 1]!) >>> 0;
        let dest: number;
        for (;;) {
          dest = (src - (nowPos + i + 5)) >>> 0;
          if (previousMask === 0) break;
          const bit = X86_BIT_NUMBER[previousMask >>> 1]!;
          b = (dest >>> (24 - bit * 8)) & 0xff;
          if (!isX86MostSignificantByte(b)) break;
          src = (dest ^ (2 ** (32 - bit * 8) - 1)) >>> 0;
        }
        buffer[start + i + 4] = ((dest >>> 24) & 1) === 0 ? 0 : 0xff;
        buffer[start + i + 3] = dest >>> 16;
        buffer[start + i + 2] = dest >>> 8;
        buffer[start + i + 1] = dest;
        i += 5;
        previousMask = 0;
      } else {
        i++;
        previousMask |= 1;
        if (isX86MostSignificantByte(b)) previousMask |= 0x10;
      }
    }
    this.previousMask = previousMask;
    this.previousPosition = previousPosition;
    this.position = (nowPos + i) >>> 0;
    return i;
  }
}

/** A filter over fixed-size instructions; `step` visits each candidate position. */
abstract class AlignedFilter implements BranchFilter {
  protected position: number;

  constructor(startOffset: number) {
    this.position = startOffset;
  }

  decode(buffer: Uint8Array, start: number, end: number): number {
    const done = this.run(buffer, start, end - start, this.position);
    this.position = (this.position + done) >>> 0;
    return done;
  }

  protected abstract run(buffer: Uint8Array, start: number, size: number, nowPos: number): number;
}

/** 32-bit ARM BL instructions. */
export class ArmFilter extends AlignedFilter {
  protected run(b: Uint8Array, s: number, size: number, nowPos: number): number {
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      if (b[s + i + 3] === 0xeb) {
        const src = ((b[s + i + 2]! << 16) | (b[s + i + 1]! << 8) | b[s + i]!) << 2;
        const dest = ((src - (nowPos + i + 8)) >>> 2) & 0xffffff;
        b[s + i + 2] = dest >>> 16;
        b[s + i + 1] = dest >>> 8;
        b[s + i] = dest;
      }
    }
    return i;
  }
}

/** ARM Thumb BL instruction pairs. */
export class ArmThumbFilter extends AlignedFilter {
  protected run(b: Uint8Array, s: number, size: number, nowPos: number): number {
    let i = 0;
    for (; i + 4 <= size; i += 2) {
      if ((b[s + i + 1]! & 0xf8) === 0xf0 && (b[s + i + 3]! & 0xf8) === 0xf8) {
        const src = (((b[s + i + 1]! & 7) << 19) | (b[s + i]! << 11) | ((b[s + i + 3]! & 7) << 8) | b[s + i + 2]!) << 1;
        const dest = (src - (nowPos + i + 4)) >>> 1;
        b[s + i + 1] = 0xf0 | ((dest >>> 19) & 7);
        b[s + i] = dest >>> 11;
        b[s + i + 3] = 0xf8 | ((dest >>> 8) & 7);
        b[s + i + 2] = dest;
        i += 2;
      }
    }
    return i;
  }
}

/** ARM64 BL and ADRP instructions. */
export class Arm64Filter extends AlignedFilter {
  protected run(b: Uint8Array, s: number, size: number, nowPos: number): number {
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      const at = s + i;
      let instruction = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
      const pc = (nowPos + i) >>> 0;
      if (instruction >>> 26 === 0x25) {
        const src = instruction;
        instruction = (0x94000000 | ((src - (pc >>> 2)) & 0x03ffffff)) >>> 0;
      } else if ((instruction & 0x9f000000) >>> 0 === 0x90000000) {
        const src = ((instruction >>> 29) & 3) | ((instruction >>> 3) & 0x001ffffc);
        if (((src + 0x00020000) & 0x001c0000) !== 0) continue;
        const dest = (src - (pc >>> 12)) >>> 0;
        instruction = (instruction & 0x9000001f) >>> 0;
        instruction |= (dest & 3) << 29;
        instruction |= (dest & 0x0003fffc) << 3;
        instruction |= (0 - (dest & 0x00020000)) & 0x00e00000;
        instruction >>>= 0;
      } else {
        continue;
      }
      b[at] = instruction;
      b[at + 1] = instruction >>> 8;
      b[at + 2] = instruction >>> 16;
      b[at + 3] = instruction >>> 24;
    }
    return i;
  }
}

/** PowerPC (big-endian) branch instructions with the link bit. */
export class PowerPcFilter extends AlignedFilter {
  protected run(b: Uint8Array, s: number, size: number, nowPos: number): number {
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      if (b[s + i]! >>> 2 === 0x12 && (b[s + i + 3]! & 3) === 1) {
        const src = ((b[s + i]! & 3) << 24) | (b[s + i + 1]! << 16) | (b[s + i + 2]! << 8) | (b[s + i + 3]! & ~3);
        const dest = (src - (nowPos + i)) >>> 0;
        b[s + i] = 0x48 | ((dest >>> 24) & 3);
        b[s + i + 1] = dest >>> 16;
        b[s + i + 2] = dest >>> 8;
        b[s + i + 3] = (b[s + i + 3]! & 3) | (dest & 0xff);
      }
    }
    return i;
  }
}

/** SPARC call instructions. */
export class SparcFilter extends AlignedFilter {
  protected run(b: Uint8Array, s: number, size: number, nowPos: number): number {
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      const b0 = b[s + i]!;
      const b1 = b[s + i + 1]!;
      if ((b0 === 0x40 && (b1 & 0xc0) === 0) || (b0 === 0x7f && (b1 & 0xc0) === 0xc0)) {
        const src = ((b0 << 24) | (b1 << 16) | (b[s + i + 2]! << 8) | b[s + i + 3]!) << 2;
        let dest = (src - (nowPos + i)) >>> 2;
        dest = ((((0 - ((dest >>> 22) & 1)) << 22) & 0x3fffffff) | (dest & 0x3fffff) | 0x40000000) >>> 0;
        b[s + i] = dest >>> 24;
        b[s + i + 1] = dest >>> 16;
        b[s + i + 2] = dest >>> 8;
        b[s + i + 3] = dest;
      }
    }
    return i;
  }
}

const IA64_BRANCH_TABLE = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 6, 6, 0, 0, 7, 7, 4, 4, 0, 0, 4, 4, 0, 0,
];

/** IA-64 (Itanium) 128-bit bundles; rare, so written plainly with BigInt. */
export class Ia64Filter extends AlignedFilter {
  protected run(b: Uint8Array, s: number, size: number, nowPos: number): number {
    let i = 0;
    for (; i + 16 <= size; i += 16) {
      const mask = IA64_BRANCH_TABLE[b[s + i]! & 0x1f]!;
      for (let slot = 0, bitPos = 5; slot < 3; slot++, bitPos += 41) {
        if (((mask >>> slot) & 1) === 0) continue;
        const bytePos = s + i + (bitPos >>> 3);
        const bitRes = BigInt(bitPos & 7);
        let instruction = 0n;
        for (let j = 0; j < 6; j++) instruction |= BigInt(b[bytePos + j]!) << BigInt(8 * j);
        let normalized = instruction >> bitRes;
        if (((normalized >> 37n) & 0xfn) !== 0x5n || ((normalized >> 9n) & 0x7n) !== 0n) continue;
        let src = Number((normalized >> 13n) & 0xfffffn);
        src |= Number((normalized >> 36n) & 1n) << 20;
        src <<= 4;
        const dest = ((src - (nowPos + i)) >>> 0) >>> 4;
        normalized &= ~(0x8fffffn << 13n);
        normalized |= BigInt(dest & 0xfffff) << 13n;
        normalized |= BigInt(dest & 0x100000) << 16n;
        instruction &= (1n << bitRes) - 1n;
        instruction |= normalized << bitRes;
        for (let j = 0; j < 6; j++) b[bytePos + j] = Number((instruction >> BigInt(8 * j)) & 0xffn);
      }
    }
    return i;
  }
}

/** Delta filter: each byte was stored as its difference from the byte `distance` earlier. */
export class DeltaFilter implements BranchFilter {
  private readonly distance: number;
  private readonly history = new Uint8Array(256);
  private index = 0;

  constructor(distance: number) {
    this.distance = distance;
  }

  decode(buffer: Uint8Array, start: number, end: number): number {
    const history = this.history;
    const distance = this.distance;
    let index = this.index;
    for (let i = start; i < end; i++) {
      const value = (buffer[i]! + history[(distance + index) & 0xff]!) & 0xff;
      buffer[i] = value;
      history[index-- & 0xff] = value;
    }
    this.index = index & 0xff;
    return end - start;
  }
}

export const FILTER_DELTA = 0x03;
export const FILTER_LZMA2 = 0x21;

/** Builds the decoder for a non-last filter of an xz block from its id and properties. */
export function createBranchFilter(id: number, properties: Uint8Array, offset: number): BranchFilter {
  if (id === FILTER_DELTA) {
    if (properties.length !== 1) throw badProperties('delta', offset);
    return new DeltaFilter(properties[0]! + 1);
  }
  if (properties.length !== 0 && properties.length !== 4) throw badProperties('BCJ', offset);
  const startOffset =
    properties.length === 4
      ? (properties[0]! | (properties[1]! << 8) | (properties[2]! << 16) | (properties[3]! << 24)) >>> 0
      : 0;
  switch (id) {
    case 0x04:
      return new X86Filter(startOffset);
    case 0x05:
      return new PowerPcFilter(startOffset);
    case 0x06:
      return new Ia64Filter(startOffset);
    case 0x07:
      return new ArmFilter(startOffset);
    case 0x08:
      return new ArmThumbFilter(startOffset);
    case 0x09:
      return new SparcFilter(startOffset);
    case 0x0a:
      return new Arm64Filter(startOffset);
    default:
      throw compressError('XZ_UNSUPPORTED', `unsupported xz filter id 0x${id.toString(16)}`, { offset });
  }
}

function badProperties(name: string, offset: number): InitkitError {
  return compressError('XZ_CORRUPT', `${name} filter properties have the wrong size`, { offset });
}
