/**
 * The one-shot zstd decoder (zstd.ts: frames scanned, then decoded into one allocation) and the streaming
 * one (stream.ts: frames decoded block by block as input arrives) walk frames separately, so one table of
 * bad inputs drives both, fed whole and one byte at a time, and they must give the same error code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInitkitError } from '@initkit/core';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/harness/run.js';
import { decode, decodeStream } from '../src/index.js';

const good = new Uint8Array(readFileSync(join(repoRoot, 'fixtures/compress/sample.txt.zst')));

/** The fixture with `mask`'s bits set (or, with `flip`, toggled) in the byte at `at` (negative: from the end). */
function flipped(at: number, mask: number, flip = false): Uint8Array {
  const copy = good.slice();
  const index = at < 0 ? copy.length + at : at;
  copy[index] = flip ? copy[index]! ^ mask : copy[index]! | mask;
  return copy;
}

/** The first block header's offset: after the 4-byte magic and the frame header. */
const descriptor = good[4]!;
const singleSegment = (descriptor >> 5) & 1;
const fcsBytes = [singleSegment, 2, 4, 8][descriptor >> 6]!;
const headerBytes = 1 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]! + fcsBytes;
const firstBlock = 4 + headerBytes;

const BAD_INPUTS: [string, Uint8Array][] = [
  ['two bytes that are not a magic', new TextEncoder().encode('XY')],
  ['the magic alone', good.subarray(0, 4)],
  ['cut inside the frame header', good.subarray(0, 5)],
  ['cut inside the first block', good.subarray(0, firstBlock + 5)],
  ['cut before the checksum', good.subarray(0, good.length - 2)],
  ['the reserved bit of the frame header', flipped(4, 0x08)],
  ['a reserved block type', flipped(firstBlock, 0x06)],
  ['a wrong content checksum', flipped(-1, 0xff, true)],
  ['a skippable frame cut short', new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 0x10, 0, 0, 0, 1, 2])],
];

async function streamCode(bytes: Uint8Array, piece: number): Promise<string> {
  const pieces = function* () {
    for (let at = 0; at < bytes.length; at += piece) yield bytes.subarray(at, at + piece);
  };
  try {
    for await (const _chunk of decodeStream(pieces(), { format: 'zstd' }));
    return 'decoded';
  } catch (error) {
    return isInitkitError(error) ? error.code : `not an InitkitError: ${error}`;
  }
}

function oneShotCode(bytes: Uint8Array): string {
  try {
    decode(bytes, { format: 'zstd' });
    return 'decoded';
  } catch (error) {
    return isInitkitError(error) ? error.code : `not an InitkitError: ${error}`;
  }
}

describe('zstd: the one-shot and streaming frame walks agree on bad input', () => {
  it('decodes the good fixture both ways', async () => {
    expect(oneShotCode(good)).toBe('decoded');
    expect(await streamCode(good, 1)).toBe('decoded');
  });

  for (const [name, bytes] of BAD_INPUTS) {
    it(name, async () => {
      const expected = oneShotCode(bytes);
      expect(expected).toMatch(/^ZSTD_/);
      expect(await streamCode(bytes, bytes.length)).toBe(expected);
      expect(await streamCode(bytes, 1)).toBe(expected);
    });
  }
});
