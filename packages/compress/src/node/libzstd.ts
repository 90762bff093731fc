/**
 * zstd through the system's libzstd (koffi), for the Node build: the frames are walked by this package
 * (so the stream's extent, truncation and bad magics are its own, as with node:zlib) and libzstd decodes
 * exactly the bytes walked, on this thread, straight from the input's memory into the output chunks.
 * One-shot errors libzstd reports are re-derived by the TypeScript decoder (same codes, messages and
 * offsets); streaming ones map to the codes the TypeScript decoder uses for the same faults.
 */
import type { InitkitError } from '@initkit/core';
import { decodeZstd as decodeZstdPure, type FormatDecodeResult } from '../decode.js';
import { compressError } from '../errors.js';
import type { DecodeOptions } from '../format.js';
import type { InputQueue } from '../input-queue.js';
import { checkOutput, type OutputLimits, outputLimits, preallocationCap } from '../limits.js';
import { walkZstdFrames, zstdExtent } from '../zstd/zstd.js';
import { type Libzstd, nativeFault } from './native.js';

/** ZSTD_d_windowLogMax, raised to zstd's format limit (2^31, `--long=31`): libzstd refuses > 2^27 by default. */
const ZSTD_D_WINDOW_LOG_MAX = 100;
const WINDOW_LOG_MAX = 31;
/** ZSTD_ErrorCode values told apart (zstd_errors.h). */
const ZSTD_ERROR_CHECKSUM_WRONG = 22;
const ZSTD_ERROR_DICTIONARY_WRONG = 32;
/** Output chunk of the streaming decoder: each is handed on whole (no copy), the last one trimmed. */
const OUTPUT_CHUNK = 1 << 18;

function createContext(lib: Libzstd): unknown {
  const context = lib.createDCtx();
  if (context === null) throw compressError('COMPRESS_INTERNAL', 'libzstd could not allocate a decoding context');
  lib.setParameter(context, ZSTD_D_WINDOW_LOG_MAX, WINDOW_LOG_MAX);
  return context;
}

/** libzstd's error as the TypeScript decoder's code for the same fault. */
function libzstdError(lib: Libzstd, result: unknown, offset: number): InitkitError {
  return nativeFault(libzstdErrorCode(lib, result, offset));
}

function libzstdErrorCode(lib: Libzstd, result: unknown, offset: number): InitkitError {
  const code = lib.getErrorCode(result) as number;
  const name = lib.getErrorName(result) as string;
  if (code === ZSTD_ERROR_CHECKSUM_WRONG) {
    return compressError('ZSTD_BAD_CHECKSUM', 'zstd content checksum mismatch: the data is corrupt', { offset });
  }
  if (code === ZSTD_ERROR_DICTIONARY_WRONG) {
    return compressError('ZSTD_UNSUPPORTED', `zstd frame needs a dictionary (libzstd: ${name})`, { offset });
  }
  return compressError('ZSTD_CORRUPT', `zstd data is corrupt (libzstd: ${name})`, { offset });
}

/**
 * The streaming decoder for stream.ts's drivers: walks the frames on `queue` and feeds each stretch
 * walked to libzstd, emitting full output chunks (yielding while the driver is paused) and the rest
 * at the end. With `reuse`, one output buffer serves every chunk: each is emitted with the queue
 * paused, and written again once the driver resumes the decoder (the consumer is done with it).
 */
export function* libzstdFrames(
  lib: Libzstd,
  queue: InputQueue,
  emit: (chunk: Uint8Array) => void,
  limits: OutputLimits,
  reuse = false,
): Generator<void, void, void> {
  const context = createContext(lib);
  try {
    const walker = walkZstdFrames(queue);
    let fed = queue.offset;
    let total = 0;
    let out = new Uint8Array(OUTPUT_CHUNK);
    const outPos = [0];
    let result: unknown = 0;
    for (;;) {
      const step = walker.next();
      if (queue.offset > fed) {
        const input = queue.bytes.subarray(fed - queue.base, queue.position);
        fed = queue.offset;
        const inPos = [0];
        while (inPos[0]! < input.length || outPos[0] === out.length) {
          if (outPos[0] === out.length) {
            total += out.length;
            emit(out);
            if (reuse) queue.paused = true;
            else out = new Uint8Array(OUTPUT_CHUNK);
            outPos[0] = 0;
            while (queue.paused) yield;
          }
          const before = inPos[0]!;
          const written = outPos[0]!;
          const code = lib.decompressStream(context, out, out.length, outPos, input, input.length, inPos);
          if (lib.isError(code)) throw libzstdError(lib, code, queue.offset);
          checkOutput(limits, total + outPos[0]!, queue.received, queue.offset);
          // A call after a frame's end with nothing left to do answers the next frame's header size: not news.
          if (inPos[0] !== before || outPos[0] !== written) result = code;
          else if (before < input.length) {
            throw compressError('COMPRESS_INTERNAL', 'libzstd made no progress', { offset: queue.offset });
          }
        }
      }
      if (step.done) break;
      yield;
    }
    // The walk ended on a whole frame: libzstd must have finished it too.
    if (Number(result) !== 0) throw compressError('ZSTD_CORRUPT', 'zstd frame did not end where its blocks end');
    const keepWhole = reuse || outPos[0]! > OUTPUT_CHUNK >> 1;
    if (outPos[0]! > 0) emit(keepWhole ? out.subarray(0, outPos[0]) : out.slice(0, outPos[0]));
  } finally {
    lib.freeDCtx(context);
  }
}

/**
 * One-shot zstd through libzstd: the frames walked first (their declared sizes checked against the
 * limits), then decoded in one call into an output of the declared size, or a growing one.
 */
export function decodeZstdLib(lib: Libzstd, bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const limits = outputLimits(options);
  const { end: at, declared } = zstdExtent(bytes);
  const allDeclared = declared !== undefined;
  if (allDeclared) checkOutput(limits, declared, at, 0);
  const input = bytes.subarray(0, at);
  const ceiling = limits.maxOutputBytes + 1;
  let out = new Uint8Array(allDeclared ? declared : Math.min(Math.max(at * 4, 1 << 20), ceiling, preallocationCap(at)));
  const context = createContext(lib);
  try {
    const outPos = [0];
    const inPos = [0];
    for (;;) {
      const result = lib.decompressStream(context, out, out.length, outPos, input, input.length, inPos);
      // The TypeScript decoder names the fault exactly as the pure build does (or decodes what libzstd refused).
      if (lib.isError(result)) return decodeZstdPure(bytes, options);
      if (inPos[0] === input.length && Number(result) === 0) break;
      if (outPos[0]! < out.length) {
        if (inPos[0] === input.length) return decodeZstdPure(bytes, options);
        continue;
      }
      // Output full with more to come: a declared size was wrong (corrupt), or the output grows.
      if (allDeclared) return decodeZstdPure(bytes, options);
      checkOutput(limits, out.length + 1, at, 0);
      const grown = new Uint8Array(Math.min(out.length * 2, Math.max(ceiling, out.length + 1)));
      grown.set(out);
      out = grown;
    }
    const length = outPos[0]!;
    checkOutput(limits, length, at, 0);
    const output = out.length - length <= length >>> 3 ? out.subarray(0, length) : out.slice(0, length);
    return { output, consumed: at };
  } finally {
    lib.freeDCtx(context);
  }
}
