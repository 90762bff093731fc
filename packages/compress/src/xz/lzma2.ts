/**
 * LZMA2, the chunked LZMA inside xz: each chunk is either stored bytes or LZMA data with its own range
 * coder, and its control byte says whether the dictionary, the state or the properties reset. Chunk
 * sizes are explicit, so a chunk is decoded only once all of its input has arrived.
 */

import { compressError } from '../errors.js';
import { type InputQueue, need } from '../input-queue.js';
import { type LzmaDecoder, parseLzmaProperties } from './lzma-decoder.js';
import type { WindowOwner } from './window.js';

/** Dictionary size encoded in the LZMA2 filter's one properties byte. */
export function lzma2DictionarySize(byte: number, offset: number): number {
  if (byte > 40) {
    throw compressError('XZ_CORRUPT', `LZMA2 dictionary size byte ${byte} is above 40`, { offset });
  }
  if (byte === 40) return 0xffffffff;
  return (2 | (byte & 1)) * 2 ** ((byte >>> 1) + 11);
}

export class Lzma2Decoder {
  readonly lzma: LzmaDecoder;
  readonly owner: WindowOwner;
  private needDictionaryReset = true;
  private needProperties = true;

  constructor(lzma: LzmaDecoder, owner: WindowOwner) {
    this.lzma = lzma;
    this.owner = owner;
  }

  /** Prepares for a new block: the first chunk must reset the dictionary and set properties. */
  reset(): void {
    this.needDictionaryReset = true;
    this.needProperties = true;
  }

  /**
   * Decodes chunks until the end-of-data byte. `onChunk` runs after every chunk (streaming drains the
   * window there). Returns the number of input bytes used.
   */
  *decode(queue: InputQueue, onChunk: () => void): Generator<void, number, void> {
    const lzma = this.lzma;
    const start = queue.offset;
    for (;;) {
      yield* need(queue, 1, 'LZMA2 chunk');
      const controlOffset = queue.offset;
      const control = queue.u8();
      if (control === 0x00) return queue.offset - start;
      if (control >= 0x80) {
        yield* need(queue, control >= 0xc0 ? 5 : 4, 'LZMA2 chunk header');
        const unpacked = (control & 0x1f) * 65536 + queue.u16be() + 1;
        const packed = queue.u16be() + 1;
        const reset = (control >>> 5) & 3;
        if (reset === 3) {
          lzma.resetDictionary();
          this.needDictionaryReset = false;
        } else if (this.needDictionaryReset) {
          throw compressError('XZ_CORRUPT', 'the first LZMA2 chunk does not reset the dictionary', {
            offset: controlOffset,
          });
        }
        if (reset >= 2) {
          const propertiesOffset = queue.offset;
          const { lc, lp, pb } = parseLzmaProperties(queue.u8(), 'XZ_CORRUPT', propertiesOffset);
          if (lc + lp > 4) {
            throw compressError('XZ_CORRUPT', `LZMA2 requires lc + lp <= 4, found ${lc} + ${lp}`, {
              offset: propertiesOffset,
            });
          }
          lzma.setProperties(lc, lp, pb);
          this.needProperties = false;
        } else if (this.needProperties) {
          throw compressError('XZ_CORRUPT', 'an LZMA2 chunk needs properties but sets none', {
            offset: controlOffset,
          });
        }
        if (reset >= 1) lzma.resetState();
        yield* need(queue, packed, 'LZMA2 chunk data');
        this.decodeLzmaChunk(queue, unpacked, packed);
      } else if (control === 0x01 || control === 0x02) {
        yield* need(queue, 2, 'LZMA2 chunk header');
        const size = queue.u16be() + 1;
        if (control === 0x01) {
          lzma.resetDictionary();
          this.needDictionaryReset = false;
          // As in liblzma and xz_dec: after a dictionary reset the next LZMA chunk must set properties.
          this.needProperties = true;
        } else if (this.needDictionaryReset) {
          throw compressError('XZ_CORRUPT', 'the first LZMA2 chunk does not reset the dictionary', {
            offset: controlOffset,
          });
        }
        yield* need(queue, size, 'LZMA2 stored chunk');
        this.copyStored(queue, size);
      } else {
        throw compressError('XZ_CORRUPT', `invalid LZMA2 control byte 0x${control.toString(16)}`, {
          offset: controlOffset,
        });
      }
      onChunk();
    }
  }

  private decodeLzmaChunk(queue: InputQueue, unpacked: number, packed: number): void {
    const lzma = this.lzma;
    const input = queue.bytes;
    const packedEnd = queue.position + packed;
    lzma.errorOffsetBase = queue.base;
    let inPos = lzma.initRangeDecoder(input, queue.position);
    let remaining = unpacked;
    while (remaining > 0) {
      if (lzma.pos === lzma.window.length) this.owner.makeRoom(lzma);
      const before = lzma.pos;
      const limit = Math.min(lzma.window.length, before + remaining);
      inPos = lzma.decode(input, inPos, packedEnd, limit);
      remaining -= lzma.pos - before;
      if (inPos > packedEnd || lzma.endMarkerSeen) {
        throw compressError('XZ_CORRUPT', 'LZMA2 chunk data does not match its sizes', {
          offset: queue.base + packedEnd,
        });
      }
    }
    inPos = lzma.normalizeEnd(input, inPos);
    if (inPos !== packedEnd || lzma.code !== 0 || lzma.pendingLength !== 0) {
      throw compressError('XZ_CORRUPT', `LZMA2 chunk ended at ${inPos - queue.position} of ${packed} bytes`, {
        offset: queue.base + queue.position,
      });
    }
    queue.position = packedEnd;
  }

  private copyStored(queue: InputQueue, size: number): void {
    const lzma = this.lzma;
    let left = size;
    while (left > 0) {
      if (lzma.pos === lzma.window.length) this.owner.makeRoom(lzma);
      const count = Math.min(left, lzma.window.length - lzma.pos);
      lzma.copyUncompressed(queue.bytes, queue.position, count);
      queue.position += count;
      left -= count;
    }
  }
}
