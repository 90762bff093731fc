/**
 * xxHash32 (lz4 frame checksums) and xxHash64 (zstd content checksum). JavaScript has no fast 64-bit
 * integers, so XXH64 keeps each value as two 32-bit halves; see `stripes` for how its hot loop multiplies.
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

/**
 * The four lanes' state while `stripes` runs. Module variables rather than fields or array elements:
 * storing to those after the loop, in code V8 compiled while the loop was still running (on-stack
 * replacement), has no type feedback yet and deoptimized on every call (a thousand times per 95 MB).
 */
let lane1High = 0;
let lane1Low = 0;
let lane2High = 0;
let lane2Low = 0;
let lane3High = 0;
let lane3Low = 0;
let lane4High = 0;
let lane4Low = 0;

/**
 * XXH64 rounds over every 32-byte stripe in [at, end), all four lanes in one loop (independent work for
 * the CPU): acc = rotl(acc + input * P2, 31) * P1 on int32 halves. Each 64-bit product is
 * imul(low, low) for its low word, and for its high word the high half of that 32x32 product plus the
 * two cross imuls. That high half comes from the double product: it is within 2^12 of exact, and
 * subtracting the known low word leaves a multiple of 2^32, so adding 0.5 and truncating gives it.
 * The primes are literals (P2 = 0xc2b2ae3d:0x27d4eb4f, P1 = 0x9e3779b1:0x85ebca87): a bundler turns
 * module consts into vars, which V8 cannot fold.
 */
function stripes(data: DataView, at: number, end: number): void {
  // `| 0` tells the compiler these are int32 (it knows nothing of module variables): a loop over
  // untyped values ran 1.5 times slower.
  let h1 = lane1High | 0;
  let l1 = lane1Low | 0;
  let h2 = lane2High | 0;
  let l2 = lane2Low | 0;
  let h3 = lane3High | 0;
  let l3 = lane3Low | 0;
  let h4 = lane4High | 0;
  let l4 = lane4Low | 0;
  for (let i = at; i < end; i += 32) {
    // Lane 1: m = x * P2; acc += m; r = rotl(acc, 31); acc = r * P1.
    let xl = data.getUint32(i, true);
    let mLow = Math.imul(xl, 0x27d4eb4f);
    let mHigh =
      ((((xl * 0x27d4eb4f - (mLow >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0) +
        Math.imul(data.getInt32(i + 4, true), 0x27d4eb4f) +
        Math.imul(xl, 0xc2b2ae3d)) |
      0;
    let sum = (l1 + mLow) | 0;
    h1 = (h1 + mHigh + (sum >>> 0 < mLow >>> 0 ? 1 : 0)) | 0;
    let rHigh = (h1 << 31) | (sum >>> 1);
    let rLow = (sum << 31) | (h1 >>> 1);
    l1 = Math.imul(rLow, 0x85ebca87);
    h1 =
      (((((rLow >>> 0) * 0x85ebca87 - (l1 >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0) +
        Math.imul(rHigh, 0x85ebca87) +
        Math.imul(rLow, 0x9e3779b1)) |
      0;
    // Lane 2.
    xl = data.getUint32(i + 8, true);
    mLow = Math.imul(xl, 0x27d4eb4f);
    mHigh =
      ((((xl * 0x27d4eb4f - (mLow >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0) +
        Math.imul(data.getInt32(i + 12, true), 0x27d4eb4f) +
        Math.imul(xl, 0xc2b2ae3d)) |
      0;
    sum = (l2 + mLow) | 0;
    h2 = (h2 + mHigh + (sum >>> 0 < mLow >>> 0 ? 1 : 0)) | 0;
    rHigh = (h2 << 31) | (sum >>> 1);
    rLow = (sum << 31) | (h2 >>> 1);
    l2 = Math.imul(rLow, 0x85ebca87);
    h2 =
      (((((rLow >>> 0) * 0x85ebca87 - (l2 >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0) +
        Math.imul(rHigh, 0x85ebca87) +
        Math.imul(rLow, 0x9e3779b1)) |
      0;
    // Lane 3.
    xl = data.getUint32(i + 16, true);
    mLow = Math.imul(xl, 0x27d4eb4f);
    mHigh =
      ((((xl * 0x27d4eb4f - (mLow >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0) +
        Math.imul(data.getInt32(i + 20, true), 0x27d4eb4f) +
        Math.imul(xl, 0xc2b2ae3d)) |
      0;
    sum = (l3 + mLow) | 0;
    h3 = (h3 + mHigh + (sum >>> 0 < mLow >>> 0 ? 1 : 0)) | 0;
    rHigh = (h3 << 31) | (sum >>> 1);
    rLow = (sum << 31) | (h3 >>> 1);
    l3 = Math.imul(rLow, 0x85ebca87);
    h3 =
      (((((rLow >>> 0) * 0x85ebca87 - (l3 >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0) +
        Math.imul(rHigh, 0x85ebca87) +
        Math.imul(rLow, 0x9e3779b1)) |
      0;
    // Lane 4.
    xl = data.getUint32(i + 24, true);
    mLow = Math.imul(xl, 0x27d4eb4f);
    mHigh =
      ((((xl * 0x27d4eb4f - (mLow >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0) +
        Math.imul(data.getInt32(i + 28, true), 0x27d4eb4f) +
        Math.imul(xl, 0xc2b2ae3d)) |
      0;
    sum = (l4 + mLow) | 0;
    h4 = (h4 + mHigh + (sum >>> 0 < mLow >>> 0 ? 1 : 0)) | 0;
    rHigh = (h4 << 31) | (sum >>> 1);
    rLow = (sum << 31) | (h4 >>> 1);
    l4 = Math.imul(rLow, 0x85ebca87);
    h4 =
      (((((rLow >>> 0) * 0x85ebca87 - (l4 >>> 0)) * 2.3283064365386963e-10 + 0.5) | 0) +
        Math.imul(rHigh, 0x85ebca87) +
        Math.imul(rLow, 0x9e3779b1)) |
      0;
  }
  lane1High = h1;
  lane1Low = l1;
  lane2High = h2;
  lane2Low = l2;
  lane3High = h3;
  lane3Low = l3;
  lane4High = h4;
  lane4Low = l4;
}

/** Incremental xxHash64 (seed 0); `digestLow32()` is what zstd stores as its content checksum. */
export class Xxh64 {
  // The lanes as signed int32 halves, like the stripe loop's variables: small integers to V8, where
  // unsigned values above 2^31 would be heap numbers, change the loop's type feedback and deoptimize it.
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
    this.v1h = rh | 0;
    this.v1l = rl | 0;
    this.v2h = P2H | 0;
    this.v2l = P2L | 0;
    // v4 = 0 - P1
    add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
    this.v4h = rh | 0;
    this.v4l = rl | 0;
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
    lane1High = this.v1h;
    lane1Low = this.v1l;
    lane2High = this.v2h;
    lane2Low = this.v2l;
    lane3High = this.v3h;
    lane3Low = this.v3l;
    lane4High = this.v4h;
    lane4Low = this.v4l;
    // Words come through a DataView (one load each rather than four byte loads).
    stripes(new DataView(data.buffer, data.byteOffset, data.byteLength), start, end);
    this.v1h = lane1High;
    this.v1l = lane1Low;
    this.v2h = lane2High;
    this.v2l = lane2Low;
    this.v3h = lane3High;
    this.v3l = lane3Low;
    this.v4h = lane4High;
    this.v4l = lane4Low;
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
