import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ReadCpioOptions, readCpio, readCpioStream, writeCpio } from '@initkit/cpio';
import { CpioFileReader } from '@initkit/cpio/node';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { expectCode, expectCodeAsync } from './helpers.js';

const small = () =>
  writeCpio([{ name: 'hello', mode: 0o100644, data: new TextEncoder().encode('hi there\n') }], {
    format: 'crc',
  }).slice();

/** `hello` entry layout: header 0..109, name 110..115 (6 bytes with NUL), data at 116. */
const put = (bytes: Uint8Array, offset: number, ascii: string) => {
  for (let i = 0; i < ascii.length; i++) bytes[offset + i] = ascii.charCodeAt(i);
  return bytes;
};

const temp = useTempDir('initkit-cpio-bad-');
let fileNumber = 0;

/** Reads every entry (data included) with the positioned file reader. */
function fileReadAll(bytes: Uint8Array, options: ReadCpioOptions = {}): void {
  const path = join(temp(), `case-${fileNumber++}.cpio`);
  writeFileSync(path, bytes);
  const reader = new CpioFileReader(path, options);
  try {
    for (const entry of reader) entry.readData();
  } finally {
    reader.close();
  }
}

async function streamAll(bytes: Uint8Array, options: ReadCpioOptions = {}): Promise<void> {
  for await (const entry of readCpioStream([bytes], options)) await entry.bytes();
}

/** The same, one byte per chunk: the walk must wait for bytes at every step and still agree. */
async function streamBytewise(bytes: Uint8Array, options: ReadCpioOptions = {}): Promise<void> {
  const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
  for await (const entry of readCpioStream(chunks, options)) await entry.bytes();
}

/** Each bad input, with the code and offset every adapter (memory, file, stream) must report. */
const cases: {
  name: string;
  bytes: () => Uint8Array;
  code: string;
  offset: number;
  kernelFormatsOnly?: boolean;
  maxEntries?: number;
}[] = [
  { name: 'truncated header', bytes: () => small().subarray(0, 50), code: 'CPIO_TRUNCATED', offset: 0 },
  { name: 'truncated magic', bytes: () => small().subarray(0, 3), code: 'CPIO_TRUNCATED', offset: 0 },
  { name: 'bad magic', bytes: () => put(small(), 0, 'XYZ123'), code: 'CPIO_BAD_MAGIC', offset: 0 },
  {
    name: 'two bytes that start no magic',
    bytes: () => put(new Uint8Array(2), 0, 'XY'),
    code: 'CPIO_BAD_MAGIC',
    offset: 0,
  },
  { name: 'two bytes of a magic', bytes: () => put(new Uint8Array(2), 0, '07'), code: 'CPIO_TRUNCATED', offset: 0 },
  { name: 'empty input', bytes: () => new Uint8Array(0), code: 'CPIO_TRUNCATED', offset: 0 },
  {
    name: 'an old binary magic and nothing else',
    bytes: () => new Uint8Array([0xc7, 0x71]),
    code: 'CPIO_TRUNCATED',
    offset: 0,
  },
  { name: 'non-hex digit in mode', bytes: () => put(small(), 6 + 8 + 3, 'g'), code: 'CPIO_BAD_HEADER', offset: 17 },
  { name: 'non-hex digit in filesize', bytes: () => put(small(), 6 + 6 * 8, ' '), code: 'CPIO_BAD_HEADER', offset: 54 },
  { name: 'namesize 0', bytes: () => put(small(), 94, '00000000'), code: 'CPIO_BAD_NAMESIZE', offset: 94 },
  { name: 'namesize past the end', bytes: () => put(small(), 94, '00100000'), code: 'CPIO_TOO_LARGE', offset: 94 },
  {
    name: 'name cut off by the end of input',
    bytes: () => small().subarray(0, 113),
    code: 'CPIO_TRUNCATED',
    offset: 110,
  },
  { name: 'filesize past the end', bytes: () => put(small(), 54, '00FFFFFF'), code: 'CPIO_TRUNCATED', offset: 116 },
  { name: 'data cut off', bytes: () => small().subarray(0, 120), code: 'CPIO_TRUNCATED', offset: 116 },
  { name: 'name without its NUL', bytes: () => put(small(), 115, 'X'), code: 'CPIO_NAME_NOT_TERMINATED', offset: 115 },
  { name: 'wrong crc checksum', bytes: () => put(small(), 116, 'H'), code: 'CPIO_BAD_CHECKSUM', offset: 102 },
  { name: 'no trailer', bytes: () => small().subarray(0, 128), code: 'CPIO_TRUNCATED', offset: 128 },
  {
    name: 'garbage where the next header belongs',
    bytes: () => put(small(), 128, '0707X1'),
    code: 'CPIO_BAD_MAGIC',
    offset: 128,
  },
  {
    name: 'padding after a name cut off',
    bytes: () => writeCpio([{ name: 'ab', mode: 0o40755 }]).subarray(0, 113),
    code: 'CPIO_TRUNCATED',
    offset: 113,
  },
  {
    name: 'odc header where only the kernel formats are accepted',
    bytes: () => put(new Uint8Array(80), 0, `070707${'0'.repeat(70)}`),
    code: 'CPIO_NOT_KERNEL_FORMAT',
    offset: 0,
    kernelFormatsOnly: true,
  },
  {
    name: 'more entries than maxEntries',
    bytes: () =>
      writeCpio([
        { name: 'a', mode: 0o100644 },
        { name: 'b', mode: 0o100644 },
      ]),
    code: 'CPIO_TOO_LARGE',
    offset: 112,
    maxEntries: 1,
  },
];

describe('bad input: a typed error with the offset of the problem', () => {
  it('the test archive is sound', async () => {
    expect(readCpio(small()).entries.map((entry) => entry.name)).toEqual(['hello']);
    fileReadAll(small());
    await streamAll(small());
  });
  for (const testCase of cases) {
    it(`${testCase.name}: ${testCase.code} at ${testCase.offset} (in memory, from a file, streaming)`, async () => {
      const { kernelFormatsOnly, maxEntries } = testCase;
      const options = { kernelFormatsOnly, maxEntries };
      const error = expectCode(() => readCpio(testCase.bytes(), options), testCase.code, testCase.offset);
      expect(error.message).toMatch(/offset/);
      const fileError = expectCode(() => fileReadAll(testCase.bytes(), options), testCase.code, testCase.offset);
      const streamError = await expectCodeAsync(
        () => streamAll(testCase.bytes(), options),
        testCase.code,
        testCase.offset,
      );
      await expectCodeAsync(() => streamBytewise(testCase.bytes(), options), testCase.code, testCase.offset);
      // One walk: the same sentence from every adapter.
      expect(fileError.message).toBe(error.message);
      expect(streamError.message).toBe(error.message);
    });
  }

  it('a name of 4097 bytes is refused by default; limits are options', () => {
    const long = writeCpio([{ name: 'x'.repeat(4097), mode: 0o100644 }]);
    expectCode(() => readCpio(long), 'CPIO_TOO_LARGE', 94);
    expect(readCpio(long, { maxNameBytes: 5000 }).entries[0]!.name.length).toBe(4097);
    const many = writeCpio(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, mode: 0o100644 })));
    expectCode(() => readCpio(many, { maxEntries: 4 }), 'CPIO_TOO_LARGE');
  });

  it('errors in an archive at an offset carry absolute offsets', () => {
    const buffer = new Uint8Array(1100);
    buffer.set(put(small(), 6 + 8 + 3, 'g'), 512);
    expectCode(() => readCpio(buffer, { offset: 512 }), 'CPIO_BAD_HEADER', 512 + 17);
  });

  it('the writer refuses values that do not fit and conflicting hard links', () => {
    expectCode(() => writeCpio([{ name: 'a', mode: 0o100644, uid: 2 ** 32 }]), 'CPIO_BAD_FIELD');
    expectCode(
      () =>
        writeCpio([
          { name: 'a', mode: 0o100644, ino: 9, nlink: 2, data: new Uint8Array([1]) },
          { name: 'b', mode: 0o100644, ino: 9, nlink: 2, data: new Uint8Array([2]) },
        ]),
      'CPIO_HARDLINK_CONFLICT',
    );
  });
});
