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

/**
 * (ah:al) * (bh:bl) mod 2^64 into rh:rl: the full 64-bit product of the low halves from 16-bit pieces
 * (every partial sum stays below 2^32), plus the low 32 bits of the cross products from Math.imul.
 */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const w0 = a0 * b0;
  let t = a1 * b0 + (w0 >>> 16);
  const w1 = t & 0xffff;
  const w2 = t >>> 16;
  t = a0 * b1 + w1;
  const lowHigh = a1 * b1 + w2 + (t >>> 16);
  rl = (((t & 0xffff) << 16) | (w0 & 0xffff)) >>> 0;
  rh = (lowHigh + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
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

const STRIPE_SLICE = 64 * 1024;

/**
 * XXH64 rounds for one accumulator over every 32-byte stripe in [at, end): acc = rotl(acc + input *
 * P2, 31) * P1, with both multiplications written out (see mul) so nothing leaves registers. The primes
 * are literals here (P2 low word 0x27d4eb4f = 0x27d4:0xeb4f, high 0xc2b2ae3d; P1 low 0x85ebca87 =
 * 0x85eb:0xca87, high 0x9e3779b1): V8 bounds the 16-bit partial products only when it sees constants,
 * and a bundler turns module consts into vars it cannot see through (three times slower).
 */
function laneRounds(data: DataView, at: number, end: number, lanes: Uint32Array, index: number): void {
  let vh = lanes[index]!;
  let vl = lanes[index + 1]!;
  for (let i = at; i < end; i += 32) {
    const xl = data.getUint32(i, true);
    const xh = data.getUint32(i + 4, true);
    // m = x * P2
    let a0 = xl & 0xffff;
    let a1 = xl >>> 16;
    let w0 = a0 * 0xeb4f;
    let t = a1 * 0xeb4f + (w0 >>> 16);
    let w2 = t >>> 16;
    t = a0 * 0x27d4 + (t & 0xffff);
    let ml = (((t & 0xffff) << 16) | (w0 & 0xffff)) >>> 0;
    let mh = a1 * 0x27d4 + w2 + (t >>> 16) + Math.imul(xh, 0x27d4eb4f) + Math.imul(xl, 0xc2b2ae3d);
    // acc += m
    const sum = vl + ml;
    vl = sum >>> 0;
    vh = (vh + mh + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    // acc = rotl(acc, 31)
    const rh = ((vh << 31) | (vl >>> 1)) >>> 0;
    const rl = ((vl << 31) | (vh >>> 1)) >>> 0;
    // acc *= P1
    a0 = rl & 0xffff;
    a1 = rl >>> 16;
    w0 = a0 * 0xca87;
    t = a1 * 0xca87 + (w0 >>> 16);
    w2 = t >>> 16;
    t = a0 * 0x85eb + (t & 0xffff);
    ml = (((t & 0xffff) << 16) | (w0 & 0xffff)) >>> 0;
    mh = a1 * 0x85eb + w2 + (t >>> 16) + Math.imul(rh, 0x85ebca87) + Math.imul(rl, 0x9e3779b1);
    vl = ml;
    vh = mh >>> 0;
  }
  lanes[index] = vh;
  lanes[index + 1] = vl;
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
  private readonly lanes = new Uint32Array(8);
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
    const lanes = this.lanes;
    lanes[0] = this.v1h;
    lanes[1] = this.v1l;
    lanes[2] = this.v2h;
    lanes[3] = this.v2l;
    lanes[4] = this.v3h;
    lanes[5] = this.v3l;
    lanes[6] = this.v4h;
    lanes[7] = this.v4l;
    // Each lane is its own loop with everything in locals; slices keep the four passes in cache. Words
    // come through a DataView (one load each rather than four byte loads).
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let from = start; from < end; from += STRIPE_SLICE) {
      const to = Math.min(end, from + STRIPE_SLICE);
      for (let lane = 0; lane < 4; lane++) laneRounds(view, from + lane * 8, to, lanes, lane * 2);
    }
    this.v1h = lanes[0]!;
    this.v1l = lanes[1]!;
    this.v2h = lanes[2]!;
    this.v2l = lanes[3]!;
    this.v3h = lanes[4]!;
    this.v3l = lanes[5]!;
    this.v4h = lanes[6]!;
    this.v4l = lanes[7]!;
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
