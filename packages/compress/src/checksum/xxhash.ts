/**
 * xxHash32 (lz4 frame checksums) and xxHash64 (zstd content checksum). JavaScript has no fast 64-bit
 * integers, so XXH64 keeps each value as two 32-bit halves and multiplies in 16-bit limbs.
 */

const P32_1 = 0x9e3779b1;
const P32_2 = 0x85ebca77;
const P32_3 = 0xc2b2ae3d;
const P32_4 = 0x27d4eb2f;
const P32_5 = 0x165667b1;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function read32(data: Uint8Array, at: number): number {
  return data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
}

/** xxHash32 of `data` with `seed`, unsigned. */
export function xxh32(data: Uint8Array, seed = 0): number {
  const length = data.length;
  let i = 0;
  let h: number;
  if (length >= 16) {
    let v1 = (seed + P32_1 + P32_2) | 0;
    let v2 = (seed + P32_2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P32_1) | 0;
    const limit = length - 16;
    while (i <= limit) {
      v1 = Math.imul(rotl32((v1 + Math.imul(read32(data, i), P32_2)) | 0, 13), P32_1);
      v2 = Math.imul(rotl32((v2 + Math.imul(read32(data, i + 4), P32_2)) | 0, 13), P32_1);
      v3 = Math.imul(rotl32((v3 + Math.imul(read32(data, i + 8), P32_2)) | 0, 13), P32_1);
      v4 = Math.imul(rotl32((v4 + Math.imul(read32(data, i + 12), P32_2)) | 0, 13), P32_1);
      i += 16;
    }
    h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) | 0;
  } else {
    h = (seed + P32_5) | 0;
  }
  h = (h + length) | 0;
  for (; i + 4 <= length; i += 4) {
    h = Math.imul(rotl32((h + Math.imul(read32(data, i), P32_3)) | 0, 17), P32_4);
  }
  for (; i < length; i++) h = Math.imul(rotl32((h + Math.imul(data[i]!, P32_5)) | 0, 11), P32_1);
  h ^= h >>> 15;
  h = Math.imul(h, P32_2);
  h ^= h >>> 13;
  h = Math.imul(h, P32_3);
  h ^= h >>> 16;
  return h >>> 0;
}

// 64-bit constants as [high, low].
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

/** Result registers of the 64-bit helpers (avoids allocating a pair per operation). */
let rh = 0;
let rl = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rh:rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a48 = ah >>> 16;
  const a32 = ah & 0xffff;
  const a16 = al >>> 16;
  const a00 = al & 0xffff;
  const b48 = bh >>> 16;
  const b32 = bh & 0xffff;
  const b16 = bl >>> 16;
  const b00 = bl & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 = (c48 + a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48) & 0xffff;
  rh = ((c48 << 16) | c32) >>> 0;
  rl = ((c16 << 16) | c00) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64 into rh:rl. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const low = (al >>> 0) + (bl >>> 0);
  rl = low >>> 0;
  rh = (ah + bh + (low > 0xffffffff ? 1 : 0)) >>> 0;
}

/** Rotate (h:l) left by r (0 < r < 32) into rh:rl. */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** XXH64 round: rotl(acc + input * P2, 31) * P1, into rh:rl. */
function round(accH: number, accL: number, inH: number, inL: number): void {
  mul(inH, inL, P2H, P2L);
  add(accH, accL, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** Incremental xxHash64 (seed 0); `digestLow32()` is what zstd stores as its content checksum. */
export class Xxh64 {
  private v1h = 0;
  private v1l = 0;
  private v2h = 0;
  private v2l = 0;
  private v3h = 0;
  private v3l = 0;
  private v4h = 0;
  private v4l = 0;
  private readonly buffer = new Uint8Array(32);
  private buffered = 0;
  private total = 0;

  constructor() {
    add(P1H, P1L, P2H, P2L);
    this.v1h = rh;
    this.v1l = rl;
    this.v2h = P2H;
    this.v2l = P2L;
    // v4 = 0 - P1
    add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
    this.v4h = rh;
    this.v4l = rl;
  }

  update(data: Uint8Array): this {
    let i = 0;
    const length = data.length;
    this.total += length;
    if (this.buffered > 0) {
      const take = Math.min(32 - this.buffered, length);
      this.buffer.set(data.subarray(0, take), this.buffered);
      this.buffered += take;
      i = take;
      if (this.buffered < 32) return this;
      this.stripes(this.buffer, 0, 32);
      this.buffered = 0;
    }
    const end = i + ((length - i) & ~31);
    if (end > i) this.stripes(data, i, end);
    this.buffer.set(data.subarray(end), 0);
    this.buffered = length - end;
    return this;
  }

  private stripes(data: Uint8Array, start: number, end: number): void {
    let v1h = this.v1h;
    let v1l = this.v1l;
    let v2h = this.v2h;
    let v2l = this.v2l;
    let v3h = this.v3h;
    let v3l = this.v3l;
    let v4h = this.v4h;
    let v4l = this.v4l;
    for (let i = start; i < end; i += 32) {
      round(v1h, v1l, read32(data, i + 4) >>> 0, read32(data, i) >>> 0);
      v1h = rh;
      v1l = rl;
      round(v2h, v2l, read32(data, i + 12) >>> 0, read32(data, i + 8) >>> 0);
      v2h = rh;
      v2l = rl;
      round(v3h, v3l, read32(data, i + 20) >>> 0, read32(data, i + 16) >>> 0);
      v3h = rh;
      v3l = rl;
      round(v4h, v4l, read32(data, i + 28) >>> 0, read32(data, i + 24) >>> 0);
      v4h = rh;
      v4l = rl;
    }
    this.v1h = v1h;
    this.v1l = v1l;
    this.v2h = v2h;
    this.v2l = v2l;
    this.v3h = v3h;
    this.v3l = v3l;
    this.v4h = v4h;
    this.v4l = v4l;
  }

  /** The 64-bit hash as [high, low] unsigned halves. */
  digest(): [number, number] {
    let hh: number;
    let hl: number;
    if (this.total >= 32) {
      rotl(this.v1h, this.v1l, 1);
      let h = rh;
      let l = rl;
      rotl(this.v2h, this.v2l, 7);
      add(h, l, rh, rl);
      h = rh;
      l = rl;
      rotl(this.v3h, this.v3l, 12);
      add(h, l, rh, rl);
      h = rh;
      l = rl;
      rotl(this.v4h, this.v4l, 18);
      add(h, l, rh, rl);
      hh = rh;
      hl = rl;
      for (const [vh, vl] of [
        [this.v1h, this.v1l],
        [this.v2h, this.v2l],
        [this.v3h, this.v3l],
        [this.v4h, this.v4l],
      ] as const) {
        round(0, 0, vh, vl);
        hh = (hh ^ rh) >>> 0;
        hl = (hl ^ rl) >>> 0;
        mul(hh, hl, P1H, P1L);
        add(rh, rl, P4H, P4L);
        hh = rh;
        hl = rl;
      }
    } else {
      hh = P5H;
      hl = P5L;
    }
    add(hh, hl, Math.floor(this.total / 2 ** 32), this.total >>> 0);
    hh = rh;
    hl = rl;
    const data = this.buffer;
    const length = this.buffered;
    let i = 0;
    for (; i + 8 <= length; i += 8) {
      round(0, 0, read32(data, i + 4) >>> 0, read32(data, i) >>> 0);
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 27);
      mul(rh, rl, P1H, P1L);
      add(rh, rl, P4H, P4L);
      hh = rh;
      hl = rl;
    }
    if (i + 4 <= length) {
      mul(0, read32(data, i) >>> 0, P1H, P1L);
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 23);
      mul(rh, rl, P2H, P2L);
      add(rh, rl, P3H, P3L);
      hh = rh;
      hl = rl;
      i += 4;
    }
    for (; i < length; i++) {
      mul(0, data[i]!, P5H, P5L);
      hh = (hh ^ rh) >>> 0;
      hl = (hl ^ rl) >>> 0;
      rotl(hh, hl, 11);
      mul(rh, rl, P1H, P1L);
      hh = rh;
      hl = rl;
    }
    // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
    hl = (hl ^ (hh >>> 1)) >>> 0;
    mul(hh, hl, P2H, P2L);
    hh = rh;
    hl = rl;
    hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0;
    hh = (hh ^ (hh >>> 29)) >>> 0;
    mul(hh, hl, P3H, P3L);
    hh = rh;
    hl = (rl ^ rh) >>> 0;
    return [hh, hl];
  }
}
