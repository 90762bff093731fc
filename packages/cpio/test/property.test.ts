/**
 * Property tests: parse(write(x)) gives x back field for field, write(parse(b)) gives b back, and
 * random or mutated bytes make the readers return or throw InitkitError, never anything else.
 */

import { InitkitError } from '@initkit/core';
import { type CpioEntryInput, readCpio, readCpioStream, writeCpio } from '@initkit/cpio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const typeBits = fc.constantFrom(0o100000, 0o040000, 0o120000, 0o020000, 0o060000, 0o010000, 0o140000);
const name = fc
  .array(fc.stringMatching(/^[^\0/]{1,12}$/), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('/'))
  .filter((text) => text !== 'TRAILER!!!');

const entry = fc.record({
  name,
  type: typeBits,
  permissions: fc.integer({ min: 0, max: 0o7777 }),
  uid: u32,
  gid: u32,
  mtime: u32,
  ino: u32,
  devMajor: u32,
  devMinor: u32,
  rdevMajor: u32,
  rdevMinor: u32,
  data: fc.uint8Array({ maxLength: 300 }),
});

const entries = fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 12 }).map((list) =>
  list.map(
    (e): CpioEntryInput => ({
      name: e.name,
      mode: e.type | e.permissions,
      uid: e.uid,
      gid: e.gid,
      mtime: e.mtime,
      ino: e.ino,
      nlink: 1,
      devMajor: e.devMajor,
      devMinor: e.devMinor,
      rdevMajor: e.rdevMajor,
      rdevMinor: e.rdevMinor,
      data: e.type === 0o100000 || e.type === 0o120000 ? e.data : new Uint8Array(0),
    }),
  ),
);

function assertTypedOrParsed(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof InitkitError)) throw error;
  }
}

async function assertTypedOrParsedAsync(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof InitkitError)) throw error;
  }
}

describe('round trips', () => {
  it('parse(write(x)) == x in newc and crc', () => {
    fc.assert(
      fc.property(entries, fc.constantFrom('newc' as const, 'crc' as const), (list, format) => {
        const parsed = readCpio(writeCpio(list, { format })).entries;
        expect(
          parsed.map(({ format: _f, check: _c, nameBytes: _n, offset: _o, dataOffset: _d, ...rest }) => ({
            ...rest,
            data: Array.from(rest.data),
          })),
        ).toEqual(list.map((e) => ({ ...e, data: Array.from(e.data ?? []) })));
      }),
      { numRuns: 200 },
    );
  });

  it('write(parse(b)) == b for canonical archives', () => {
    fc.assert(
      fc.property(entries, fc.constantFrom('newc' as const, 'crc' as const), (list, format) => {
        const bytes = writeCpio(list, { format });
        expect(Buffer.compare(Buffer.from(writeCpio(readCpio(bytes).entries, { format })), Buffer.from(bytes))).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});

describe('fuzzing: InitkitError or a parse, nothing else', () => {
  const seeds = [fixture('gnu-newc.cpio'), fixture('gnu-crc.cpio'), fixture('gnu-odc.cpio'), fixture('gnu-bin.cpio')];

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => assertTypedOrParsed(() => readCpio(bytes))),
      { numRuns: 500 },
    );
  });

  it('mutated archives (byte flips, digit swaps, truncation), in memory and streaming', async () => {
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x30, 0x46, 0x37, 0)),
        }),
        {
          minLength: 1,
          maxLength: 6,
        },
      ),
      cut: fc.option(fc.nat(), { nil: undefined }),
      chunk: fc.integer({ min: 1, max: 700 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ seed, edits, cut, chunk }) => {
        const bytes = seeds[seed]!.slice();
        for (const edit of edits) bytes[edit.at % bytes.length] = edit.value;
        const input = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
        assertTypedOrParsed(() => readCpio(input));
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < input.length; i += chunk) chunks.push(input.subarray(i, i + chunk));
        await assertTypedOrParsedAsync(async () => {
          for await (const entry of readCpioStream(chunks)) await entry.bytes();
        });
      }),
      { numRuns: 400 },
    );
  });
});
