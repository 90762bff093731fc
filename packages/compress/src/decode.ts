/**
 * One-shot decoding: detect (or take) the format, decode the whole compressed stream at the start of
 * the input, and report how many input bytes it used. Every decoder verifies its format's checksums and
 * honours the output limits.
 */
import { decodeBzip2Streams } from './bzip2/bzip2.js';
import { detect } from './detect.js';
import { compressError } from './errors.js';
import type { CompressionFormat, DecodeOptions, DecodeResult } from './format.js';
import { LinearGzipTarget, readGzipMembers } from './gzip/gzip.js';
import { InputQueue, runComplete } from './input-queue.js';
import { OutputBuffer, outputLimits, preallocationCap } from './limits.js';
import { decodeLz4Frames } from './lz4/frame.js';
import { decodeLz4Legacy, lz4LegacyOutputBound } from './lz4/legacy.js';
import { decodeLzop } from './lzo/lzop.js';
import { type LzmaAloneHeader, readLzmaAlone } from './xz/lzma-alone.js';
import { LzmaDecoder } from './xz/lzma-decoder.js';
import { LinearWindow } from './xz/window.js';
import { LinearBlockSink, readXzStreams, xzSizeFromIndex } from './xz/xz.js';
import { decodeZstdFrames } from './zstd/zstd.js';

/** The decoded bytes and the number of input bytes used, for one format. */
export type FormatDecodeResult = Omit<DecodeResult, 'format' | 'trailing'>;

/** The format `decode` would use for these bytes: options.format, else the detected one. */
export function resolveFormat(bytes: Uint8Array, options: DecodeOptions = {}): CompressionFormat {
  if (options.format) return options.format;
  const detected = detect(bytes);
  if (detected.format === 'cpio') return 'none';
  if (detected.format === 'unknown') {
    throw compressError('COMPRESS_BAD_MAGIC', 'input is not in a known compression format (no known magic)', {
      offset: 0,
    });
  }
  return detected.format;
}

/** Decodes the compressed stream at the start of `bytes` (format detected unless given). */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const format = resolveFormat(bytes, options);
  const result = decodeFormat(format, bytes, options);
  return { format, ...result, trailing: bytes.length - result.consumed };
}

export function decodeFormat(
  format: CompressionFormat,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): FormatDecodeResult {
  switch (format) {
    case 'gzip':
      return decodeGzip(bytes, options);
    case 'xz':
      return decodeXz(bytes, options);
    case 'lzma':
      return decodeLzma(bytes, options);
    case 'zstd':
      return decodeZstd(bytes, options);
    case 'lz4':
      return decodeLz4(bytes, options);
    case 'lz4-frame':
      return decodeLz4Frame(bytes, options);
    case 'lzo':
      return decodeLzo(bytes, options);
    case 'bzip2':
      return decodeBzip2(bytes, options);
    case 'none':
      return { output: bytes, consumed: bytes.length };
    default:
      throw compressError('COMPRESS_BAD_MAGIC', `unknown compression format ${String(format)}`);
  }
}

/** gzip, all members that follow one another; CRC-32 and size of each are verified. */
export function decodeGzip(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const output = new OutputBuffer(outputLimits(options), bytes.length, gzipSizeHint(bytes));
  const queue = new InputQueue(bytes, true, 'GZIP_TRUNCATED');
  runComplete(readGzipMembers(queue, new LinearGzipTarget(output)));
  return { output: output.finish(), consumed: queue.position };
}

/** The last member's ISIZE when the input ends with a plausible gzip trailer, else a guess. */
function gzipSizeHint(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n >= 18) {
    const size = (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0;
    if (size >= n / 2 && size <= n * 1032) return size;
  }
  return n * 4;
}

/** xz: every stream, block and filter; CRC32/CRC64/SHA-256 checks and the index are verified. */
export function decodeXz(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const output = new OutputBuffer(outputLimits(options), bytes.length, xzSizeFromIndex(bytes) ?? bytes.length * 4);
  const queue = new InputQueue(bytes, true, 'XZ_TRUNCATED');
  runComplete(readXzStreams(queue, new LinearBlockSink(output)));
  return { output: output.finish(), consumed: queue.position };
}

/** Legacy .lzma (LZMA-alone), with a known size or an end marker. */
export function decodeLzma(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const limits = outputLimits(options);
  const output = new OutputBuffer(limits, bytes.length, 0);
  const queue = new InputQueue(bytes, true, 'LZMA_TRUNCATED');
  let window: LinearWindow | undefined;
  let decoder: LzmaDecoder | undefined;
  runComplete(
    readLzmaAlone(
      queue,
      {
        window(header: LzmaAloneHeader) {
          if (header.size !== undefined) output.ensure(Math.min(header.size, preallocationCap(bytes.length)));
          else output.reserve(bytes.length * 4);
          decoder = new LzmaDecoder(output.bytes);
          window = new LinearWindow(output);
          return { decoder, owner: window };
        },
        progress() {},
      },
      limits,
    ),
  );
  window!.drain(decoder!);
  return { output: output.finish(), consumed: queue.position };
}

/** zstd: every frame and skippable frame in a row; content checksums verified. */
export function decodeZstd(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  return decodeZstdFrames(bytes, outputLimits(options));
}

/** Legacy lz4 (`lz4 -l`), the kernel's lz4. */
export function decodeLz4(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const limits = outputLimits(options);
  const bound = Math.min(lz4LegacyOutputBound(bytes), limits.maxOutputBytes, bytes.length * 256);
  const output = new OutputBuffer(limits, bytes.length, bound);
  const consumed = decodeLz4Legacy(bytes, output);
  return { output: output.finish(), consumed };
}

/** lz4 frame format (`lz4` default); block and content checksums verified when present. */
export function decodeLz4Frame(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const output = new OutputBuffer(outputLimits(options), bytes.length, bytes.length * 3);
  const consumed = decodeLz4Frames(bytes, output);
  return { output: output.finish(), consumed };
}

/** lzo as lzop writes it; block checksums verified. */
export function decodeLzo(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const output = new OutputBuffer(outputLimits(options), bytes.length, bytes.length * 3);
  const consumed = decodeLzop(bytes, output);
  return { output: output.finish(), consumed };
}

/** bzip2, concatenated streams; block and stream CRCs verified. */
export function decodeBzip2(bytes: Uint8Array, options: DecodeOptions = {}): FormatDecodeResult {
  const output = new OutputBuffer(outputLimits(options), bytes.length, bytes.length * 5);
  const consumed = decodeBzip2Streams(bytes, output);
  return { output: output.finish(), consumed };
}
