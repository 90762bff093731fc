/**
 * The LZMA decoder core shared by .lzma (LZMA-alone) and xz's LZMA2: a range decoder over adaptive bit
 * probabilities that drives an LZ77 window. The window is either the whole output (one-shot decoding,
 * never wraps) or a circular dictionary the caller drains (streaming). All state lives in fields so a
 * call can stop at any symbol boundary (output limit, or input running short while streaming) and resume.
 */
import { type CompressErrorCode, compressError } from '../errors.js';

/**
 * The range coder's 32-bit `range` and `code` are kept as int32 (`| 0`) so the compiler keeps them in
 * registers as integers; unsigned comparisons go through `>>> 0`, which compiles to an unsigned compare.
 *
 * Constants live in an enum because esbuild inlines enum members as literals, while a bundle turns
 * top-level `const`s into module `var`s that V8 reloads from the module context on every use.
 */
enum Model {
  ProbInit = 1024,
  // Layout of the probability array (one Uint16Array for every model).
  IsMatch = 0, // 12 states x 16 position states
  IsRep = IsMatch + 192,
  IsRepG0 = IsRep + 12,
  IsRepG1 = IsRepG0 + 12,
  IsRepG2 = IsRepG1 + 12,
  IsRep0Long = IsRepG2 + 12, // 12 x 16
  DistSlot = IsRep0Long + 192, // 4 length states x 64 slots
  DistSpecial = DistSlot + 256, // 115 reverse bit trees for slots 4..13
  DistAlign = DistSpecial + 115, // 16
  MatchLen = DistAlign + 16, // a length decoder: choice, choice2, low 16x8, mid 16x8, high 256
  RepLen = MatchLen + 514,
  Literal = RepLen + 514, // 0x300 per literal coder
  LenLow = 2,
  LenMid = 130,
  LenHigh = 258,
}

/**
 * Most output one call of the symbol loop produces. Returning now and then lets V8 run the loop in its
 * fully optimised function; a loop that never returns stays in on-stack-replacement code, compiled
 * without knowing the types of the values it entered with (25% slower on a 94 MB .lzma).
 */
const DECODE_STEP = 1 << 18;

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
    const size = Model.Literal + (0x300 << (lc + lp));
    if (this.probs.length !== size) this.probs = new Uint16Array(size);
  }

  /** Resets every probability and the match state (start of a stream, or an LZMA2 state reset). */
  resetState(): void {
    this.probs.fill(Model.ProbInit);
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
      throw compressError('LZMA_TRUNCATED', 'range coder init: needed 5 bytes', {
        offset: this.errorOffsetBase + at,
      });
    }
    if (input[at] !== 0) {
      throw compressError('LZMA_CORRUPT', `range coder must start with a 0 byte, found ${input[at]}`, {
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
    let at = inPos;
    for (;;) {
      const stepEnd = Math.min(outLimit, this.pos + DECODE_STEP);
      at = this.decodeStep(input, at, inSafe, outLimit, stepEnd);
      if (this.pos < stepEnd || this.pos >= outLimit || this.endMarkerSeen) return at;
    }
  }

  /**
   * `decode`, but starting no new symbol once the window reaches `stepEnd` (a match may run past it).
   * One loop with the range coder in locals: the bit decodes (literal, length and distance trees,
   * direct and align bits) are written out in each place rather than called: this is the hottest loop
   * of the decoder and keeps range and code in registers, so similar eight-line blocks recur on purpose.
   */
  private decodeStep(input: Uint8Array, inPos: number, inSafe: number, outLimit: number, stepEnd: number): number {
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
    // `| 0` tells the compiler these are int32, so the arithmetic on them stays integer.
    let range = this.range | 0;
    let code = this.code | 0;
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
    // The byte before `pos` (literal context), kept in hand rather than read back from the window.
    let previous = full === 0 ? 0 : window[pos === 0 ? windowSize - 1 : pos - 1]!;

    while (pos < stepEnd && inPos <= inSafe) {
      const posState = (pos - bias) & posMask;
      p = Model.IsMatch + (state << 4) + posState;
      if ((range & 0xff000000) === 0) {
        range <<= 8;
        code = (code << 8) | (input[inPos++] as number);
      }
      prob = probs[p]!;
      bound = Math.imul(range >>> 11, prob);
      if (code >>> 0 < bound >>> 0) {
        // Literal.
        range = bound;
        probs[p] = prob + ((2048 - prob) >>> 5);
        const base = Model.Literal + Math.imul(0x300, (((pos - bias) & lpMask) << lc) + (previous >>> literalShift));
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
            if (code >>> 0 < bound >>> 0) {
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
          // Branch-free: literal bits are hard to predict, and a mispredicted branch costs more than this.
          const bit = +(code >>> 0 >= bound >>> 0);
          const mask = -bit;
          range = bound ^ ((bound ^ (range - bound)) & mask);
          code = (code - (bound & mask)) | 0;
          // Moves prob toward 2048 (bit 0) or 31 (bit 1) by 1/32: the same rounding as the branchy update.
          probs[p] = prob + ((2048 - (2017 & mask) - prob) >> 5);
          symbol = (symbol << 1) | bit;
        }
        previous = symbol & 0xff;
        window[pos++] = previous;
        if (full < windowSize) full++;
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      range = (range - bound) | 0;
      code = (code - bound) | 0;
      probs[p] = prob - (prob >>> 5);

      // A match or a repeated match.
      p = Model.IsRep + state;
      if ((range & 0xff000000) === 0) {
        range <<= 8;
        code = (code << 8) | (input[inPos++] as number);
      }
      prob = probs[p]!;
      bound = Math.imul(range >>> 11, prob);
      let lengthBase: number;
      if (code >>> 0 < bound >>> 0) {
        range = bound;
        probs[p] = prob + ((2048 - prob) >>> 5);
        state = state < 7 ? 7 : 10;
        lengthBase = Model.MatchLen;
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        probs[p] = prob - (prob >>> 5);
        if (full === 0) {
          throw compressError('LZMA_CORRUPT', 'repeated match before any data', {
            offset: this.errorOffsetBase + inPos,
          });
        }
        p = Model.IsRepG0 + state;
        if ((range & 0xff000000) === 0) {
          range <<= 8;
          code = (code << 8) | (input[inPos++] as number);
        }
        prob = probs[p]!;
        bound = Math.imul(range >>> 11, prob);
        if (code >>> 0 < bound >>> 0) {
          range = bound;
          probs[p] = prob + ((2048 - prob) >>> 5);
          p = Model.IsRep0Long + (state << 4) + posState;
          if ((range & 0xff000000) === 0) {
            range <<= 8;
            code = (code << 8) | (input[inPos++] as number);
          }
          prob = probs[p]!;
          bound = Math.imul(range >>> 11, prob);
          if (code >>> 0 < bound >>> 0) {
            // Short rep: one byte at distance rep0.
            range = bound;
            probs[p] = prob + ((2048 - prob) >>> 5);
            state = state < 7 ? 9 : 11;
            let src = pos - rep0 - 1;
            if (src < 0) src += windowSize;
            previous = window[src]!;
            window[pos++] = previous;
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
          p = Model.IsRepG1 + state;
          if ((range & 0xff000000) === 0) {
            range <<= 8;
            code = (code << 8) | (input[inPos++] as number);
          }
          prob = probs[p]!;
          bound = Math.imul(range >>> 11, prob);
          let distance: number;
          if (code >>> 0 < bound >>> 0) {
            range = bound;
            probs[p] = prob + ((2048 - prob) >>> 5);
            distance = rep1;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            probs[p] = prob - (prob >>> 5);
            p = Model.IsRepG2 + state;
            if ((range & 0xff000000) === 0) {
              range <<= 8;
              code = (code << 8) | (input[inPos++] as number);
            }
            prob = probs[p]!;
            bound = Math.imul(range >>> 11, prob);
            if (code >>> 0 < bound >>> 0) {
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
        lengthBase = Model.RepLen;
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
      if (code >>> 0 < bound >>> 0) {
        range = bound;
        probs[p] = prob + ((2048 - prob) >>> 5);
        treeBase = lengthBase + Model.LenLow + (posState << 3);
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
        if (code >>> 0 < bound >>> 0) {
          range = bound;
          probs[p] = prob + ((2048 - prob) >>> 5);
          treeBase = lengthBase + Model.LenMid + (posState << 3);
          treeLimit = 8;
          length = 10 - 8;
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          probs[p] = prob - (prob >>> 5);
          treeBase = lengthBase + Model.LenHigh;
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
        const bit = +(code >>> 0 >= bound >>> 0);
        const mask = -bit;
        range = bound ^ ((bound ^ (range - bound)) & mask);
        code = (code - (bound & mask)) | 0;
        probs[p] = prob + ((2048 - (2017 & mask) - prob) >> 5);
        symbol = (symbol << 1) | bit;
      }
      length += symbol;

      if (lengthBase === Model.MatchLen) {
        // Distance: a 6-bit slot, then reverse-coded or direct bits and 4 align bits.
        const treeStart = Model.DistSlot + ((length < 6 ? length - 2 : 3) << 6);
        symbol = 1;
        while (symbol < 64) {
          p = treeStart + symbol;
          if ((range & 0xff000000) === 0) {
            range <<= 8;
            code = (code << 8) | (input[inPos++] as number);
          }
          prob = probs[p]!;
          bound = Math.imul(range >>> 11, prob);
          const bit = +(code >>> 0 >= bound >>> 0);
          const mask = -bit;
          range = bound ^ ((bound ^ (range - bound)) & mask);
          code = (code - (bound & mask)) | 0;
          probs[p] = prob + ((2048 - (2017 & mask) - prob) >> 5);
          symbol = (symbol << 1) | bit;
        }
        const slot = symbol - 64;
        let distance: number;
        if (slot < 4) {
          distance = slot;
        } else {
          const directBits = (slot >>> 1) - 1;
          // int32 like every other hot value: distances of 2 GiB and more (beyond any encoder's
          // dictionary) turn negative and are rejected below; the end marker's 0xffffffff is -1.
          distance = (2 | (slot & 1)) << directBits;
          if (slot < 14) {
            const reverseBase = Model.DistSpecial + distance - slot;
            let m = 1;
            for (let i = 0; i < directBits; i++) {
              p = reverseBase + m;
              if ((range & 0xff000000) === 0) {
                range <<= 8;
                code = (code << 8) | (input[inPos++] as number);
              }
              prob = probs[p]!;
              bound = Math.imul(range >>> 11, prob);
              const bit = +(code >>> 0 >= bound >>> 0);
              const mask = -bit;
              range = bound ^ ((bound ^ (range - bound)) & mask);
              code = (code - (bound & mask)) | 0;
              probs[p] = prob + ((2048 - (2017 & mask) - prob) >> 5);
              m = (m << 1) | bit;
              distance |= bit << i;
            }
          } else {
            let direct = 0;
            for (let i = directBits - 4; i > 0; i--) {
              if ((range & 0xff000000) === 0) {
                range <<= 8;
                code = (code << 8) | (input[inPos++] as number);
              }
              range >>>= 1;
              const bit = +(code >>> 0 >= range >>> 0);
              code = (code - (range & -bit)) | 0;
              direct = (direct << 1) | bit;
            }
            distance = (distance + (direct << 4)) | 0;
            let m = 1;
            for (let i = 0; i < 4; i++) {
              p = Model.DistAlign + m;
              if ((range & 0xff000000) === 0) {
                range <<= 8;
                code = (code << 8) | (input[inPos++] as number);
              }
              prob = probs[p]!;
              bound = Math.imul(range >>> 11, prob);
              const bit = +(code >>> 0 >= bound >>> 0);
              const mask = -bit;
              range = bound ^ ((bound ^ (range - bound)) & mask);
              code = (code - (bound & mask)) | 0;
              probs[p] = prob + ((2048 - (2017 & mask) - prob) >> 5);
              m = (m << 1) | bit;
              distance |= bit << i;
            }
            if (distance === -1) {
              this.endMarkerSeen = true;
              break;
            }
          }
        }
        rep3 = rep2;
        rep2 = rep1;
        rep1 = rep0;
        rep0 = distance;
        if (distance < 0 || distance >= full) {
          throw compressError(
            'LZMA_CORRUPT',
            `match distance ${(distance >>> 0) + 1} reaches before the start of the data (${full} bytes of history)`,
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
        if (rep0 >= count && count > 32) {
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
      previous = window[pos - 1]!;
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
  code: CompressErrorCode,
  offset: number,
): { lc: number; lp: number; pb: number } {
  if (byte >= 9 * 5 * 5) {
    throw compressError(code, `LZMA properties byte ${byte} is out of range (expected below 225)`, { offset });
  }
  const lc = byte % 9;
  const rest = (byte / 9) | 0;
  return { lc, lp: rest % 5, pb: (rest / 5) | 0 };
}
