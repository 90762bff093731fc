/**
 * A floor for `initkit initramfs ls` of an xz or zstd initrd, run by bench/initramfs.bench.ts: a bare
 * Node process that decodes with the system's own liblzma or libzstd (through koffi) into one buffer and
 * walks the newc headers, printing each name: how much of the distance to `<decompressor> -dc | cpio -t`
 * is Node itself (its start-up, one thread) rather than initkit (which streams through the same
 * libraries, in chunks, where koffi is installed). Usage: node bench/native-decode-ls.mjs xz|zstd FILE
 * The libraries are loaded with RTLD_DEEPBIND (koffi's `deep`): Node 22+ exports its bundled zstd's
 * symbols, and without it Debian's libzstd calls Node's ZSTD_decompressBegin_usingDict and the like on
 * its own context (LD_DEBUG=bindings shows 80 such bindings on Node 24): the ZSTD_error_GENERIC this row
 * once reported on Node 24.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const koffi = createRequire(import.meta.url)('koffi');
const [format, path] = process.argv.slice(2);
const input = readFileSync(path);
// Untouched pages of a large unzeroed buffer cost nothing; the decoder faults in what it writes.
const output = Buffer.allocUnsafeSlow(Math.min(2 ** 31 - 1, input.length * 64));

function decodeZstd() {
  const zstd = koffi.load('libzstd.so.1', { deep: true });
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
    if (isError(left))
      throw new Error(`libzstd error ${zstd.func('const char *ZSTD_getErrorName(size_t code)')(left)}`);
    if (left === 0 && inPos[0] >= input.length) break;
  }
  return outPos[0];
}

function decodeXz() {
  const lzma = koffi.load('liblzma.so.5', { deep: true });
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
