/**
 * readStreamedArchives reports the bytes read as chunks arrive, not only before each entry: the Node
 * reader releases dropped decoder chunks from that report, and a large file's data is skipped between
 * two entries.
 */
import { describe, expect, it } from 'vitest';
import { readStreamedArchives } from '../src/stream-archives.js';
import { archive, fileEntry } from './build.js';

const CHUNK = 4096;

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
}

describe('readStreamedArchives onPosition', () => {
  it('reports positions inside a large file, never decreasing, and lists the same entries', async () => {
    const big = new Uint8Array(256 * 1024).fill(7);
    const bytes = archive([
      fileEntry('small', new Uint8Array([1, 2, 3])),
      fileEntry('big', big),
      fileEntry('last', new Uint8Array([4])),
    ]);
    const positions: number[] = [];
    const read = await readStreamedArchives(chunksOf(bytes), 0, {
      concatenated: false,
      keep: () => false,
      maxFileBytes: 1 << 20,
      onPosition: (position) => positions.push(position),
    });
    expect(read.entries.map((entry) => entry.path)).toEqual(['small', 'big', 'last']);
    // The big file's data spans 64 chunks: positions are reported while it is skipped.
    const bigEntry = read.entries[1]!;
    const inside = positions.filter((at) => at > bigEntry.offset && at < bigEntry.offset + big.length);
    expect(inside.length).toBeGreaterThan(32);
    for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
    expect(positions.at(-1)!).toBeLessThanOrEqual(read.end);
    const without = await readStreamedArchives(chunksOf(bytes), 0, {
      concatenated: false,
      keep: () => false,
      maxFileBytes: 1 << 20,
    });
    expect(without.entries).toEqual(read.entries);
    expect(without.end).toBe(read.end);
  });
});
