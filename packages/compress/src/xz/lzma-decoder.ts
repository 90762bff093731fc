/**
 * The LZMA decoder core shared by .lzma (LZMA-alone) and xz's LZMA2: a range decoder over adaptive bit
 * probabilities that drives an LZ77 window. The window is either the whole output (one-shot decoding,
 * never wraps) or a circular dictionary the caller drains (streaming). All state lives in fields so a
 * call can stop at any symbol boundary (output limit, or input running short while streaming) and resume.
 */
import { InitkitError } from '@initkit/core';

/**
 * The range coder's 32-bit `range` and `code` are kept as signed int32 so they stay in registers;
 * unsigned comparisons flip the sign bit of both sides first.
 */
const SIGN = -0x80000000;
const PROB_INIT = 1024;

/** Layout of the probability array (one Uint16Array for every model). */
const IS_MATCH = 0; // 12 states x 16 position states
const IS_REP = IS_MATCH + 192;
const IS_REP_G0 = IS_REP + 12;
const IS_REP_G1 = IS_REP_G0 + 12;
const IS_REP_G2 = IS_REP_G1 + 12;
const IS_REP0_LONG = IS_REP_G2 + 12; // 12 x 16
const DIST_SLOT = IS_REP0_LONG + 192; // 4 length states x 64 slots
const DIST_SPECIAL = DIST_SLOT + 256; // 115 reverse bit trees for slots 4..13
const DIST_ALIGN = DIST_SPECIAL + 115; // 16
const MATCH_LEN = DIST_ALIGN + 16; // a length decoder: choice, choice2, low 16x8, mid 16x8, high 256
const REP_LEN = MATCH_LEN + 514;
const LITERAL = REP_LEN + 514; // 0x300 per literal coder

const LEN_LOW = 2;
const LEN_MID = 130;
const LEN_HIGH = 258;

/** The most input one symbol can use; a streaming caller keeps this much in hand before decoding on. */
export const LZMA_MAX_SYMBOL_INPUT = 64;

export class LzmaDecoder {
  /** The LZ window: the whole output in one-shot mode, or a circular dictionary. */
  window: Uint8Array;
  /** Next write position in `window`. */
  pos = 0;
  /** How many bytes before `pos` are valid history (a match may reach that far back). */
  full = 0;
  /** Window position of the last dictionary reset; position-dependent contexts count from it. */
  positionBias = 0;
  lc = 3;
  lp = 0;
  pb = 2;
  probs: Uint16Array = new Uint16Array(0);
  state = 0;
  rep0 = 0;
  rep1 = 0;
  rep2 = 0;
  rep3 = 0;
  range = 0;
  code = 0;
  /** Bytes of a match still to copy when the previous call stopped at its output limit. */
  pendingLength = 0;
  /** Set when the stream's end-of-payload marker was decoded. */
  endMarkerSeen = false;
  /** Base of error offsets (the stream's position in the caller's whole input). */
  errorOffsetBase = 0;

  constructor(window: Uint8Array) {
    this.window = window;
  }

  /** Sets lc/lp/pb (LZMA properties) and resizes the literal probabilities. */
  setProperties(lc: number, lp: number, pb: number): void {
    this.lc = lc;
    this.lp = lp;
    this.pb = pb;
    const size = LITERAL + (0x300 << (lc + lp));
    if (this.probs.length !== size) this.probs = new Uint16Array(size);
  }

  /** Resets every probability and the match state (start of a stream, or an LZMA2 state reset). */
  resetState(): void {
    this.probs.fill(PROB_INIT);
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    this.pendingLength = 0;
  }

  /** Forgets the history (start of a stream, or an LZMA2 dictionary reset). */
  resetDictionary(): void {
    this.full = 0;
    this.positionBias = this.pos;
  }

  /** Reads the 5 range-coder init bytes at `at`; returns the position after them. */
  initRangeDecoder(input: Uint8Array, at: number): number {
    if (at + 5 > input.length) {
      throw new InitkitError('LZMA_TRUNCATED', 'range coder init: needed 5 bytes', {
        offset: this.errorOffsetBase + at,
      });
    }
    if (input[at] !== 0) {
      throw new InitkitError('LZMA_CORRUPT', `range coder must start with a 0 byte, found ${input[at]}`, {
        offset: this.errorOffsetBase + at,
      });
    }
    this.code = (input[at + 1]! << 24) | (input[at + 2]! << 16) | (input[at + 3]! << 8) | input[at + 4]!;
    this.range = -1;
    return at + 5;
  }

  /** The range coder's last normalisation after the final symbol, so every input byte is counted. */
  normalizeEnd(input: Uint8Array, inPos: number): number {
    if (this.needsNormalize()) {
      this.range <<= 8;
      this.code = (this.code << 8) | (input[inPos] as number);
      return inPos + 1;
    }
    return inPos;
  }

  /** Whether the range coder will read one more byte before its next bit. */
  needsNormalize(): boolean {
    return (this.range & 0xff000000) === 0;
  }

  /** Copies `count` raw bytes into the window (LZMA2 uncompressed chunks). */
  copyUncompressed(input: Uint8Array, at: number, count: number): void {
    this.window.set(input.subarray(at, at + count), this.pos);
    this.pos += count;
    this.full = Math.min(this.full + count, this.window.length);
  }

  /**
   * Decodes symbols until the window reaches `outLimit`, the end marker appears, or the input position
   * passes `inSafe` (the last position at which a whole symbol is still certainly available). Returns the
   * new input position, which may pass the input's end by a few bytes on truncated input: the caller
   * checks that.
   */
  decode(input: Uint8Array, inPos: number, inSafe: number, outLimit: number): number {
    const probs = this.probs;
    const window = this.window;
    const windowSize = window.length;
    const posMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const lc = this.lc;
    const literalShift = 8 - lc;
    const bias = this.positionBias;
    let pos = this.pos;
    let full = this.full;
    let range = this.range;
    let code = this.code;
    let state = this.state;
    let rep0 = this.rep0;
    let rep1 = this.rep1;
    let rep2 = this.rep2;
    let rep3 = this.rep3;
    let p = 0;
    let prob = 0;
    let bound = 0;
    let symbol = 0;

    if (this.pendingLength > 0) {
      const count = Math.min(this.pendingLength, outLimit - pos);
      let src = pos - rep0 - 1;
      if (src < 0) src += windowSize;
      for (let k = 0; k < count; k++) {
        window[pos++] = window[src++]!;
        if (src === windowSize) src = 0;
      }
      full = Math.min(full + count, windowSize);
      this.pendingLength -= count;
    }

    while (pos < outLimit && inPos <= inSafe) {
      const posState = (pos - bias) & posMask;
      p = IS_MATCH + (state << 4) + posState;
      if ((range & 0xff000000) === 0) {
        range <<= 8;
        code = (code << 8) | (input[inPos++] as number);
      }
      prob = probs[p]!;
      bound = Math.imul(range >>> 11, prob);
      if ((code ^ SIGN) < (bound ^ SIGN)) {
        // Literal.
        range = bound;
        probs[p] = prob + ((2048 - prob) >>> 5);
        const previous = full === 0 ? 0 : window[pos === 0 ? windowSize - 1 : pos - 1]!;
        const base = LITERAL + 0x300 * ((((pos - bias) & lpMask) << lc) + (previous >>> literalShift));
        symbol = 1;
        if (state >= 7) {
          let src = pos - rep0 - 1;
          if (src < 0) src += windowSize;
          let matchByte = window[src]!;
          do {
            const matchBit = (matchByte >>> 7) & 1;
            matchByte <<= 1;
            p = base + ((1 + matchBit) << 8) + symbol;
            if ((range & 0xff000000) === 0) {
              range <<= 8;
              code = (code << 8) | (input[inPos++] as number);
            }
            prob = probs[p]!;
            bound = Math.imul(range >>> 11, prob);
            if ((code ^ SIGN) < (bound ^ SIGN)) {
              range = bound;
              probs[p] = prob + ((2048 - prob) >>> 5);
              symbol <<= 1;
              if (matchBit !== 0) break;
            } else {
              range = (range - bound) | 0;
              code = (code - bound) | 0;
              probs[p] = prob - (prob >>> 5);
              symbol = (symbol << 1) | 1;
              if (matchBit === 0) break;
            }
          } while (symbol < 0x100);
        }
        while (symbol < 0x100) {
          p = base + symbol;
          if ((range & 0xff000000) === 0) {
            range <<= 8;
            code = (code << 8) | (input[inPos++] as number);
          }
          prob = probs[p]!;
          bound = Math.imul(range >>> 11, prob);
          if ((code ^ SIGN) < (bound ^ SIGN)) {
            range = bound;
            probs[p] = prob + ((2048 - prob) >>> 5);
            symbol <<= 1;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            probs[p] = prob - (prob >>> 5);
            symbol = (symbol << 1) | 1;
          }
        }
        window[pos++] = symbol & 0xff;
        if (full < windowSize) full++;
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      range = (range - bound) | 0;
      code = (code - bound) | 0;
      probs[p] = prob - (prob >>> 5);

      // A match or a repeated match.
      p = IS_REP + state;
      if ((range & 0xff000000) === 0) {
        range <<= 8;
        code = (code << 8) | (input[inPos++] as number);
      }
      prob = probs[p]!;
      bound = Math.imul(range >>> 11, prob);
      let lengthBase: number;
      if ((code ^ SIGN) < (bound ^ SIGN)) {
        range = bound;
        probs[p] = prob + ((2048 - prob) >>> 5);
        state = state < 7 ? 7 : 10;
        lengthBase = MATCH_LEN;
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        probs[p] = prob - (prob >>> 5);
        if (full === 0) {
          throw new InitkitError('LZMA_CORRUPT', 'repeated match before any data', {
            offset: this.errorOffsetBase + inPos,
          });
        }
        p = IS_REP_G0 + state;
        if ((range & 0xff000000) === 0) {
          range <<= 8;
          code = (code << 8) | (input[inPos++] as number);
        }
        prob = probs[p]!;
        bound = Math.imul(range >>> 11, prob);
        if ((code ^ SIGN) < (bound ^ SIGN)) {
          range = bound;
          probs[p] = prob + ((2048 - prob) >>> 5);
          p = IS_REP0_LONG + (state << 4) + posState;
          if ((range & 0xff000000) === 0) {
            range <<= 8;
            code = (code << 8) | (input[inPos++] as number);
          }
          prob = probs[p]!;
          bound = Math.imul(range >>> 11, prob);
          if ((code ^ SIGN) < (bound ^ SIGN)) {
            // Short rep: one byte at distance rep0.
            range = bound;
            probs[p] = prob + ((2048 - prob) >>> 5);
            state = state < 7 ? 9 : 11;
            let src = pos - rep0 - 1;
            if (src < 0) src += windowSize;
            window[pos++] = window[src]!;
            if (full < windowSize) full++;
            continue;
          }
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[p] = prob - (prob >>> 5);
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[p] = prob - (prob >>> 5);
          p = IS_REP_G1 + state;
          if ((range & 0xff000000) === 0) {
            range <<= 8;
            code = (code << 8) | (input[inPos++] as number);
          }
          prob = probs[p]!;
          bound = Math.imul(range >>> 11, prob);
          let distance: number;
          if ((code ^ SIGN) < (bound ^ SIGN)) {
            range = bound;
            probs[p] = prob + ((2048 - prob) >>> 5);
            distance = rep1;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            probs[p] = prob - (prob >>> 5);
            p = IS_REP_G2 + state;
            if ((range & 0xff000000) === 0) {
              range <<= 8;
              code = (code << 8) | (input[inPos++] as number);
            }
            prob = probs[p]!;
            bound = Math.imul(range >>> 11, prob);
            if ((code ^ SIGN) < (bound ^ SIGN)) {
              range = bound;
              probs[p] = prob + ((2048 - prob) >>> 5);
              distance = rep2;
            } else {
              range = (range - bound) | 0;
              code = (code - bound) | 0;
              probs[p] = prob - (prob >>> 5);
              distance = rep3;
              rep3 = rep2;
            }
            rep2 = rep1;
          }
          rep1 = rep0;
          rep0 = distance;
        }
        state = state < 7 ? 8 : 11;
        lengthBase = REP_LEN;
      }

      // Length: choice bits pick the low (2-9), mid (10-17) or high (18-273) tree.
      let treeBase: number;
      let treeLimit: number;
      let length: number;
      p = lengthBase;
      if ((range & 0xff000000) === 0) {
        range <<= 8;
        code = (code << 8) | (input[inPos++] as number);
      }
      prob = probs[p]!;
      bound = Math.imul(range >>> 11, prob);
      if ((code ^ SIGN) < (bound ^ SIGN)) {
        range = bound;
        probs[p] = prob + ((2048 - prob) >>> 5);
        treeBase = lengthBase + LEN_LOW + (posState << 3);
        treeLimit = 8;
        length = 2 - 8;
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        probs[p] = prob - (prob >>> 5);
        p = lengthBase + 1;
        if ((range & 0xff000000) === 0) {
          range <<= 8;
          code = (code << 8) | (input[inPos++] as number);
        }
        prob = probs[p]!;
        bound = Math.imul(range >>> 11, prob);
        if ((code ^ SIGN) < (bound ^ SIGN)) {
          range = bound;
          probs[p] = prob + ((2048 - prob) >>> 5);
          treeBase = lengthBase + LEN_MID + (posState << 3);
          treeLimit = 8;
          length = 10 - 8;
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[p] = prob - (prob >>> 5);
          treeBase = lengthBase + LEN_HIGH;
          treeLimit = 256;
          length = 18 - 256;
        }
      }
      symbol = 1;
      while (symbol < treeLimit) {
        p = treeBase + symbol;
        if ((range & 0xff000000) === 0) {
          range <<= 8;
          code = (code << 8) | (input[inPos++] as number);
        }
        prob = probs[p]!;
        bound = Math.imul(range >>> 11, prob);
        if ((code ^ SIGN) < (bound ^ SIGN)) {
          range = bound;
          probs[p] = prob + ((2048 - prob) >>> 5);
          symbol <<= 1;
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[p] = prob - (prob >>> 5);
          symbol = (symbol << 1) | 1;
        }
      }
      length += symbol;

      if (lengthBase === MATCH_LEN) {
        // Distance: a 6-bit slot, then reverse-coded or direct bits and 4 align bits.
        const treeStart = DIST_SLOT + ((length < 6 ? length - 2 : 3) << 6);
        symbol = 1;
        while (symbol < 64) {
          p = treeStart + symbol;
          if ((range & 0xff000000) === 0) {
            range <<= 8;
            code = (code << 8) | (input[inPos++] as number);
          }
          prob = probs[p]!;
          bound = Math.imul(range >>> 11, prob);
          if ((code ^ SIGN) < (bound ^ SIGN)) {
            range = bound;
            probs[p] = prob + ((2048 - prob) >>> 5);
            symbol <<= 1;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            probs[p] = prob - (prob >>> 5);
            symbol = (symbol << 1) | 1;
          }
        }
        const slot = symbol - 64;
        let distance: number;
        if (slot < 4) {
          distance = slot;
        } else {
          const directBits = (slot >>> 1) - 1;
          distance = directBits < 30 ? (2 | (slot & 1)) << directBits : (2 | (slot & 1)) * 0x40000000;
          if (slot < 14) {
            const reverseBase = DIST_SPECIAL + distance - slot;
            let m = 1;
            for (let i = 0; i < directBits; i++) {
              p = reverseBase + m;
              if ((range & 0xff000000) === 0) {
                range <<= 8;
                code = (code << 8) | (input[inPos++] as number);
              }
              prob = probs[p]!;
              bound = Math.imul(range >>> 11, prob);
              if ((code ^ SIGN) < (bound ^ SIGN)) {
                range = bound;
                probs[p] = prob + ((2048 - prob) >>> 5);
                m <<= 1;
              } else {
                range = (range - bound) | 0;
                code = (code - bound) | 0;
                probs[p] = prob - (prob >>> 5);
                m = (m << 1) | 1;
                distance += 1 << i;
              }
            }
          } else {
            let direct = 0;
            for (let i = directBits - 4; i > 0; i--) {
              if ((range & 0xff000000) === 0) {
                range <<= 8;
                code = (code << 8) | (input[inPos++] as number);
              }
              range >>>= 1;
              if ((code ^ SIGN) >= (range ^ SIGN)) {
                code = (code - range) | 0;
                direct = (direct << 1) | 1;
              } else {
                direct <<= 1;
              }
            }
            distance += direct * 16;
            let m = 1;
            for (let i = 0; i < 4; i++) {
              p = DIST_ALIGN + m;
              if ((range & 0xff000000) === 0) {
                range <<= 8;
                code = (code << 8) | (input[inPos++] as number);
              }
              prob = probs[p]!;
              bound = Math.imul(range >>> 11, prob);
              if ((code ^ SIGN) < (bound ^ SIGN)) {
                range = bound;
                probs[p] = prob + ((2048 - prob) >>> 5);
                m <<= 1;
              } else {
                range = (range - bound) | 0;
                code = (code - bound) | 0;
                probs[p] = prob - (prob >>> 5);
                m = (m << 1) | 1;
                distance += 1 << i;
              }
            }
            if (distance === 0xffffffff) {
              this.endMarkerSeen = true;
              break;
            }
          }
        }
        rep3 = rep2;
        rep2 = rep1;
        rep1 = rep0;
        rep0 = distance;
        if (distance >= full) {
          throw new InitkitError(
            'LZMA_CORRUPT',
            `match distance ${distance + 1} reaches before the start of the data (${full} bytes of history)`,
            { offset: this.errorOffsetBase + inPos },
          );
        }
      }

      // Copy the match, stopping at the output limit (the rest is pending for the next call).
      const room = outLimit - pos;
      let count = length;
      if (count > room) {
        this.pendingLength = count - room;
        count = room;
      }
      let src = pos - rep0 - 1;
      if (src < 0) src += windowSize;
      if (src + count <= windowSize) {
        if (rep0 >= count && count > 64) {
          window.copyWithin(pos, src, src + count);
          pos += count;
        } else {
          const end = pos + count;
          while (pos < end) window[pos++] = window[src++]!;
        }
      } else {
        for (let k = 0; k < count; k++) {
          window[pos++] = window[src++]!;
          if (src === windowSize) src = 0;
        }
      }
      full = Math.min(full + count, windowSize);
    }

    this.pos = pos;
    this.full = full;
    this.range = range;
    this.code = code;
    this.state = state;
    this.rep0 = rep0;
    this.rep1 = rep1;
    this.rep2 = rep2;
    this.rep3 = rep3;
    return inPos;
  }
}

/** Splits an LZMA properties byte (lc + lp*9 + pb*45) into its parts, or throws. */
export function parseLzmaProperties(
  byte: number,
  code: string,
  offset: number,
): { lc: number; lp: number; pb: number } {
  if (byte >= 9 * 5 * 5) {
    throw new InitkitError(code, `LZMA properties byte ${byte} is out of range (expected below 225)`, { offset });
  }
  const lc = byte % 9;
  const rest = (byte / 9) | 0;
  return { lc, lp: rest % 5, pb: (rest / 5) | 0 };
}
