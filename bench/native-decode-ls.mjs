/**
 * A floor for `initkit initramfs ls` of an xz or zstd initrd, run by bench/initramfs.bench.ts: a bare
 * Node process that decodes with the system's own liblzma or libzstd (through koffi) and walks the
 * newc headers, printing each name. initkit decodes in TypeScript and does not do this; the bench runs
 * it to show how much of the distance to `<decompressor> -dc | cpio -t` is Node itself (its start-up,
 * one thread) rather than the decoder. Usage: node bench/native-decode-ls.mjs xz|zstd FILE
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const koffi = createRequire(import.meta.url)('koffi');
const [format, path] = process.argv.slice(2);
const input = readFileSync(path);
// Untouched pages of a large unzeroed buffer cost nothing; the decoder faults in what it writes.
const output = Buffer.allocUnsafeSlow(Math.min(2 ** 31 - 1, input.length * 64));

function decodeZstd() {
  const zstd = koffi.load('libzstd.so.1');
  const createContext = zstd.func('void *ZSTD_createDCtx()');
  const step = zstd.func(
    'size_t ZSTD_decompressStream_simpleArgs(void *context, _Inout_ uint8_t *dst, size_t dstCapacity, _Inout_ size_t *dstPos, const uint8_t *src, size_t srcSize, _Inout_ size_t *srcPos)',
  );
  const isError = zstd.func('unsigned int ZSTD_isError(size_t code)');
  const context = createContext();
  const outPos = [0];
  const inPos = [0];
  while (inPos[0] < input.length) {
    const left = step(context, output, output.length, outPos, input, input.length, inPos);
    if (isError(left)) throw new Error(`libzstd error ${left}`);
    if (left === 0 && inPos[0] >= input.length) break;
  }
  return outPos[0];
}

function decodeXz() {
  const lzma = koffi.load('liblzma.so.5');
  const decodeBuffer = lzma.func(
    'int lzma_stream_buffer_decode(_Inout_ uint64_t *memlimit, uint32_t flags, void *allocator, const uint8_t *in, _Inout_ size_t *inPos, size_t inSize, _Inout_ uint8_t *out, _Inout_ size_t *outPos, size_t outSize)',
  );
  const outPos = [0];
  const result = decodeBuffer([2n ** 64n - 1n], 0, null, input, [0], input.length, output, outPos, output.length);
  if (result !== 0) throw new Error(`liblzma error ${result}`);
  return outPos[0];
}

const length = format === 'xz' ? decodeXz() : decodeZstd();
const hex = (at) => Number.parseInt(output.latin1Slice(at, at + 8), 16);
const names = [];
for (let at = 0; at + 110 <= length && output.latin1Slice(at, at + 5) === '07070'; ) {
  const fileSize = hex(at + 54);
  const nameSize = hex(at + 94);
  const name = output.latin1Slice(at + 110, at + 110 + nameSize - 1);
  if (name === 'TRAILER!!!') break;
  names.push(name);
  at = (at + 110 + nameSize + 3) & ~3;
  at = (at + fileSize + 3) & ~3;
}
process.stdout.write(`${names.join('\n')}\n`);
