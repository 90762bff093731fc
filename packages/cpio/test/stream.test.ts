import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type CpioStreamEntry, readCpio, readCpioStream, writeCpio } from '@initkit/cpio';
import { CpioFileReader, fileChunks } from '@initkit/cpio/node';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { expectCodeAsync, fixture, text } from './helpers.js';

async function collect(source: Parameters<typeof readCpioStream>[0], read = true, options = {}) {
  const reader = readCpioStream(source, options);
  const entries: { name: string; data: string; entry: CpioStreamEntry }[] = [];
  for await (const entry of reader)
    entries.push({ name: entry.name, data: read ? text(await entry.bytes()) : '', entry });
  return { entries, info: reader.info() };
}

describe('streaming reader', () => {
  const temp = useTempDir('initkit-cpio-stream-');
  const bytes = fixture('gnu-crc.cpio');
  const expected = readCpio(bytes).entries.map((entry) => ({ name: entry.name, data: text(entry.data) }));

  it('gives the same entries as the in-memory reader wherever the chunks are split', async () => {
    for (let split = 1; split < bytes.length; split += 7) {
      const { entries, info } = await collect([bytes.subarray(0, split), bytes.subarray(split)]);
      expect(entries.map(({ name, data }) => ({ name, data }))).toEqual(expected);
      expect(info.end).toBe(readCpio(bytes).end);
    }
  });

  it('handles one-byte chunks, a Web ReadableStream and a Node stream', async () => {
    const oneByte = Array.from(bytes, (byte) => new Uint8Array([byte]));
    expect((await collect(oneByte)).entries.map(({ name, data }) => ({ name, data }))).toEqual(expected);
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 100) controller.enqueue(bytes.slice(i, i + 100));
        controller.close();
      },
    });
    expect((await collect(web)).entries.map(({ name, data }) => ({ name, data }))).toEqual(expected);
    const node = Readable.from([Buffer.from(bytes.subarray(0, 1000)), Buffer.from(bytes.subarray(1000))]);
    expect((await collect(node)).entries.map(({ name, data }) => ({ name, data }))).toEqual(expected);
  });

  it('skips data the caller does not read, still verifying crc sums', async () => {
    const { entries } = await collect([bytes], false);
    expect(entries.map(({ name }) => name)).toEqual(expected.map(({ name }) => name));
    const broken = bytes.slice();
    const hello = readCpio(bytes).entries.find((entry) => entry.name === 'hello.txt')!;
    broken[hello.dataOffset + 3] = broken[hello.dataOffset + 3]! ^ 0x20;
    await expectCodeAsync(() => collect([broken], false), 'CPIO_BAD_CHECKSUM', hello.offset + 102);
    await expectCodeAsync(() => collect([broken], true), 'CPIO_BAD_CHECKSUM', hello.offset + 102);
    expect((await collect([broken], true, { verifyChecksums: false })).entries.length).toBe(expected.length);
  });

  it('a file read by position and a file streamed in reused buffers give the same entries', async () => {
    const path = join(temp(), 'crc.cpio');
    writeFileSync(path, bytes);
    const reader = new CpioFileReader(path);
    const byPosition = [...reader].map((entry) => ({ name: entry.name, data: text(entry.readData()) }));
    expect(byPosition).toEqual(expected);
    expect(reader.info().end).toBe(readCpio(bytes).end);
    reader.close();
    for (const chunkSize of [1, 7, 512, 1 << 20]) {
      const descriptor = openSync(path, 'r');
      try {
        expect(
          (await collect(fileChunks(descriptor, chunkSize))).entries.map(({ name, data }) => ({ name, data })),
        ).toEqual(expected);
      } finally {
        closeSync(descriptor);
      }
    }
  });

  it('data chunks are views of the source chunks (no copy)', async () => {
    const big = new Uint8Array(300_000).fill(7);
    const archive = writeCpio([{ name: 'big', mode: 0o100644, data: big }]);
    for await (const entry of readCpioStream([archive])) {
      for await (const chunk of entry.chunks()) expect(chunk.buffer).toBe(archive.buffer);
    }
  });

  it('with `concatenated`, reads every archive of an initrd-like sequence through NUL padding', async () => {
    const first = writeCpio([{ name: 'early', mode: 0o100644, data: new Uint8Array([1]) }]);
    const second = writeCpio([{ name: 'main', mode: 0o100644, data: new Uint8Array([2]) }], { blockSize: 4 });
    const joined = new Uint8Array(first.length + 512 + second.length);
    joined.set(first);
    joined.set(second, first.length + 512);
    const only = await collect([joined]);
    expect(only.entries.map(({ name }) => name)).toEqual(['early']);
    expect(only.info.end).toBe(readCpio(joined).end);
    const all = await collect([joined], true, { concatenated: true });
    expect(all.entries.map(({ name }) => name)).toEqual(['early', 'main']);
    expect(all.entries[1]!.entry.offset).toBe(first.length + 512);
    expect(all.info.end).toBe(joined.length);
  });
});
