/**
 * The legacy .lzma (LZMA-alone) format: a 13-byte header (properties, dictionary size, uncompressed
 * size or all-ones for "unknown, ends with an end marker") followed by one raw LZMA stream.
 */

import { compressError } from '../errors.js';
import { type InputQueue, need } from '../input-queue.js';
import { checkOutput, type OutputLimits } from '../limits.js';
import { LZMA_MAX_SYMBOL_INPUT, type LzmaDecoder, parseLzmaProperties } from './lzma-decoder.js';
import type { WindowOwner } from './window.js';

export const LZMA_HEADER_SIZE = 13;

export interface LzmaAloneHeader {
  lc: number;
  lp: number;
  pb: number;
  dictionarySize: number;
  /** Uncompressed size, or undefined when the stream ends with an end marker instead. */
  size: number | undefined;
}

export function parseLzmaAloneHeader(header: Uint8Array, offset: number): LzmaAloneHeader {
  const properties = parseLzmaProperties(header[0]!, 'LZMA_CORRUPT', offset);
  const dictionarySize = (header[1]! | (header[2]! << 8) | (header[3]! << 16) | (header[4]! << 24)) >>> 0;
  let unknown = true;
  for (let i = 5; i < 13; i++) if (header[i] !== 0xff) unknown = false;
  let size: number | undefined;
  if (!unknown) {
    const low = (header[5]! | (header[6]! << 8) | (header[7]! << 16) | (header[8]! << 24)) >>> 0;
    const high = (header[9]! | (header[10]! << 8) | (header[11]! << 16) | (header[12]! << 24)) >>> 0;
    if (high >= 0x200000) {
      throw compressError('LZMA_CORRUPT', `uncompressed size in the .lzma header is implausible`, {
        offset: offset + 5,
      });
    }
    size = high * 2 ** 32 + low;
  }
  return { ...properties, dictionarySize, size };
}

export interface LzmaAloneTarget {
  /** Creates the decoder's window (linear: the output; circular: a ring) for this header. */
  window(header: LzmaAloneHeader): { decoder: LzmaDecoder; owner: WindowOwner };
  /** Runs after every decode step (streaming hands out the new bytes there). */
  progress(decoder: LzmaDecoder): void;
}

/** Decodes one .lzma stream at the queue's position. */
export function* readLzmaAlone(
  queue: InputQueue,
  target: LzmaAloneTarget,
  limits: OutputLimits,
): Generator<void, void, void> {
  yield* need(queue, LZMA_HEADER_SIZE, '.lzma header');
  const headerOffset = queue.offset;
  const header = parseLzmaAloneHeader(queue.take(LZMA_HEADER_SIZE), headerOffset);
  if (header.size !== undefined)
    checkOutput(limits, header.size, queue.final ? queue.end - queue.position : header.size);
  const { decoder, owner } = target.window(header);
  decoder.setProperties(header.lc, header.lp, header.pb);
  decoder.resetState();
  decoder.resetDictionary();
  yield* need(queue, 5, '.lzma range coder');
  decoder.errorOffsetBase = queue.base;
  queue.position = decoder.initRangeDecoder(queue.bytes, queue.position);
  let produced = 0;
  for (;;) {
    if (header.size !== undefined && produced === header.size) break;
    if (decoder.pos === decoder.window.length) owner.makeRoom(decoder);
    const inSafe = queue.final ? queue.end : queue.end - LZMA_MAX_SYMBOL_INPUT;
    if (queue.position > inSafe || queue.paused) {
      yield;
      continue;
    }
    let limit = decoder.window.length;
    if (header.size !== undefined) limit = Math.min(limit, decoder.pos + header.size - produced);
    const before = decoder.pos;
    decoder.errorOffsetBase = queue.base;
    queue.position = decoder.decode(queue.bytes, queue.position, inSafe, limit);
    produced += decoder.pos - before;
    if (queue.position > queue.end) throw queue.truncated('.lzma data', 1);
    checkOutput(limits, produced, queue.offset - headerOffset, queue.offset);
    target.progress(decoder);
    if (decoder.endMarkerSeen) break;
  }
  if (decoder.needsNormalize()) yield* need(queue, 1, '.lzma data');
  queue.position = decoder.normalizeEnd(queue.bytes, queue.position);
  if (decoder.endMarkerSeen && header.size !== undefined && produced !== header.size) {
    throw compressError('LZMA_CORRUPT', `end marker after ${produced} of ${header.size} bytes`, {
      offset: queue.offset,
    });
  }
  if (decoder.pendingLength !== 0 || (decoder.endMarkerSeen && decoder.code !== 0)) {
    throw compressError('LZMA_CORRUPT', 'the .lzma stream does not end cleanly', { offset: queue.offset });
  }
}
