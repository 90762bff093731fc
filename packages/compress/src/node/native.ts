/**
 * The system's libzstd and liblzma, reached through koffi (an optional peer dependency), found once and
 * only when a zstd, xz or lzma stream is first decoded: processes that never decode them never load
 * koffi. Each library is loaded with RTLD_DEEPBIND: Node 22+ exports its own bundled zstd's symbols, and
 * without deep binding Debian's libzstd calls Node's ZSTD_decompressBegin_usingDict and the like on its
 * own context (another version's layout), which failed once with ZSTD_error_GENERIC (bench/initramfs).
 */
import { loadKoffi } from '@initkit/core/node';

type Koffi = typeof import('koffi');
type Func = ReturnType<ReturnType<Koffi['load']>['func']>;

/**
 * Errors made from a native library's return code (not from this package's own walk or limits): the
 * one-shot decoders and decodeChunks, which still hold the input, re-derive them with the TypeScript
 * decoder so that the code, message and offset are the pure build's.
 */
const nativeFaults = new WeakSet<object>();

/** Marks `error` as a native library's verdict (see isNativeFault). */
export function nativeFault<E extends object>(error: E): E {
  nativeFaults.add(error);
  return error;
}

export function isNativeFault(error: unknown): boolean {
  return typeof error === 'object' && error !== null && nativeFaults.has(error);
}

/** libzstd's streaming decoder, as used here. */
export interface Libzstd {
  createDCtx: Func;
  freeDCtx: Func;
  setParameter: Func;
  decompressStream: Func;
  isError: Func;
  getErrorCode: Func;
  getErrorName: Func;
}

/** liblzma's streaming decoders, with native buffers for lzma_stream's pointers (which must not move). */
export interface Liblzma {
  koffi: Koffi;
  streamDecoder: Func;
  aloneDecoder: Func;
  code: Func;
  end: Func;
  /** Byte offsets and widths of the lzma_stream fields used. */
  layout: LzmaStreamLayout;
}

export interface LzmaStreamLayout {
  size: number;
  nextIn: number;
  availIn: number;
  totalIn: number;
  nextOut: number;
  availOut: number;
  /** sizeof(size_t) and of a pointer: 8 or 4. */
  word: number;
}

/** Which libraries to try (tests point them at missing files to check the fallbacks). */
const libraryNames = { libzstd: 'libzstd.so.1', liblzma: 'liblzma.so.5' };
let koffiState: Koffi | null | undefined;
let zstdState: Libzstd | null | undefined;
let lzmaState: Liblzma | null | undefined;

/** INITKIT_COMPRESS_NATIVE=0 turns the koffi path off (to compare engines in one build). */
function nativeAllowed(): boolean {
  return process.env.INITKIT_COMPRESS_NATIVE !== '0';
}

function koffi(): Koffi | undefined {
  if (koffiState === undefined) {
    try {
      // The walk for koffi starts from this package (or the bundle it is in), whose peer it is.
      koffiState = nativeAllowed()
        ? loadKoffi<Koffi>(typeof __filename === 'string' ? __filename : import.meta.url)
        : null;
    } catch {
      koffiState = null;
    }
  }
  return koffiState ?? undefined;
}

function load(name: string): ReturnType<Koffi['load']> | undefined {
  const api = koffi();
  if (!api) return undefined;
  return api.load(name, { deep: process.platform === 'linux' });
}

/** libzstd through koffi, or undefined where koffi or the library (1.4.0+ for simpleArgs) does not load. */
export function libzstd(): Libzstd | undefined {
  if (zstdState === undefined) {
    try {
      const lib = load(libraryNames.libzstd);
      zstdState = lib
        ? {
            createDCtx: lib.func('void *ZSTD_createDCtx(void)'),
            freeDCtx: lib.func('size_t ZSTD_freeDCtx(void *dctx)'),
            setParameter: lib.func('size_t ZSTD_DCtx_setParameter(void *dctx, int param, int value)'),
            decompressStream: lib.func(
              'size_t ZSTD_decompressStream_simpleArgs(void *dctx, uint8_t *dst, size_t dstCapacity, _Inout_ size_t *dstPos, const uint8_t *src, size_t srcSize, _Inout_ size_t *srcPos)',
            ),
            isError: lib.func('unsigned int ZSTD_isError(size_t code)'),
            getErrorCode: lib.func('int ZSTD_getErrorCode(size_t code)'),
            getErrorName: lib.func('const char *ZSTD_getErrorName(size_t code)'),
          }
        : null;
    } catch {
      zstdState = null;
    }
  }
  return zstdState ?? undefined;
}

/** liblzma through koffi, or undefined where koffi or the library does not load. */
export function liblzma(): Liblzma | undefined {
  if (lzmaState === undefined) {
    try {
      const lib = load(libraryNames.liblzma);
      const api = koffiState ?? undefined;
      lzmaState = lib && api ? { koffi: api, ...lzmaFunctions(lib), layout: lzmaStreamLayout(api) } : null;
    } catch {
      lzmaState = null;
    }
  }
  return lzmaState ?? undefined;
}

function lzmaFunctions(lib: ReturnType<Koffi['load']>) {
  return {
    streamDecoder: lib.func('int lzma_stream_decoder(void *strm, uint64_t memlimit, uint32_t flags)'),
    aloneDecoder: lib.func('int lzma_alone_decoder(void *strm, uint64_t memlimit)'),
    code: lib.func('int lzma_code(void *strm, int action)'),
    end: lib.func('void lzma_end(void *strm)'),
  };
}

/** lzma_stream as lzma/base.h declares it (the same layout since liblzma 5.0), measured by koffi. */
function lzmaStreamLayout(api: Koffi): LzmaStreamLayout {
  const type = api.struct('initkit_lzma_stream', {
    next_in: 'void *',
    avail_in: 'size_t',
    total_in: 'uint64_t',
    next_out: 'void *',
    avail_out: 'size_t',
    total_out: 'uint64_t',
    allocator: 'void *',
    internal: 'void *',
    reserved_ptr1: 'void *',
    reserved_ptr2: 'void *',
    reserved_ptr3: 'void *',
    reserved_ptr4: 'void *',
    seek_pos: 'uint64_t',
    reserved_int2: 'uint64_t',
    reserved_int3: 'size_t',
    reserved_int4: 'size_t',
    reserved_enum1: 'int',
    reserved_enum2: 'int',
  });
  return {
    size: api.sizeof(type),
    nextIn: api.offsetof(type, 'next_in'),
    availIn: api.offsetof(type, 'avail_in'),
    totalIn: api.offsetof(type, 'total_in'),
    nextOut: api.offsetof(type, 'next_out'),
    availOut: api.offsetof(type, 'avail_out'),
    word: api.sizeof('size_t'),
  };
}

/**
 * For tests: forget what was found and try these library names next time (a missing name checks the
 * fallback to node:zlib or TypeScript).
 */
export function resetNativeLibraries(names: Partial<typeof libraryNames> = {}): void {
  libraryNames.libzstd = names.libzstd ?? 'libzstd.so.1';
  libraryNames.liblzma = names.liblzma ?? 'liblzma.so.5';
  koffiState = undefined;
  zstdState = undefined;
  lzmaState = undefined;
}
