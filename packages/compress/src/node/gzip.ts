/**
 * gzip through node:zlib, for the Node build: the member headers and trailers are parsed and verified
 * here exactly as in the pure build (so both give identical results and errors), and zlib inflates the
 * DEFLATE data and reports how many bytes it used.
 */
import * as zlib from 'node:zlib';
import { crc32 } from '@initkit/core';
import { resolveLevel } from '../encode.js';
import { compressError } from '../errors.js';
import type { DecodeOptions, EncodeOptions } from '../format.js';
import { readMemberHeader } from '../gzip/gzip.js';
import { InputQueue, runComplete } from '../input-queue.js';
import { checkOutput, concatBytes, outputLimits } from '../limits.js';

const { constants, gzipSync, inflateRawSync } = zlib;

export function decodeGzipNode(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): { output: Uint8Array; consumed: number } {
  const limits = outputLimits(options);
  const queue = new InputQueue(bytes, true, 'GZIP_TRUNCATED');
  const outputs: Uint8Array[] = [];
  let produced = 0;
  for (;;) {
    runComplete(readMemberHeader(queue));
    const deflateStart = queue.position;
    const budget = Math.min(limits.maxOutputBytes, Math.max(limits.maxRatio * bytes.length, 1 << 20)) - produced;
    let result: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      result = inflateRawSync(bytes.subarray(deflateStart), {
        info: true,
        maxOutputLength: Math.max(1, Math.min(budget + 1, 2 ** 32)),
      }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    } catch (error) {
      throw zlibError(error, bytes.length, deflateStart, limits.maxOutputBytes);
    }
    const output = new Uint8Array(result.buffer.buffer, result.buffer.byteOffset, result.buffer.byteLength);
    produced += output.length;
    checkOutput(limits, produced, bytes.length, deflateStart);
    queue.position = deflateStart + result.engine.bytesWritten;
    if (queue.available < 8) {
      throw compressError('GZIP_TRUNCATED', `gzip trailer: needed 8 bytes but only ${queue.available} remain`, {
        offset: queue.offset,
      });
    }
    const trailerOffset = queue.offset;
    const storedCrc = queue.u32le();
    const storedSize = queue.u32le();
    const crc = crc32(output);
    if (storedCrc !== crc) {
      throw compressError(
        'GZIP_BAD_CHECKSUM',
        `gzip CRC-32 mismatch: trailer says 0x${storedCrc.toString(16).padStart(8, '0')}, data gives 0x${crc.toString(16).padStart(8, '0')}`,
        { offset: trailerOffset },
      );
    }
    if (storedSize !== output.length % 2 ** 32) {
      throw compressError(
        'GZIP_BAD_SIZE',
        `gzip size mismatch: trailer says ${storedSize}, data is ${output.length} bytes`,
        {
          offset: trailerOffset + 4,
        },
      );
    }
    outputs.push(output);
    if (queue.available < 2 || bytes[queue.position] !== 0x1f || bytes[queue.position + 1] !== 0x8b) break;
  }
  return { output: concatBytes(outputs, produced), consumed: queue.position };
}

/** Maps zlib's errors to the codes the pure decoder uses for the same faults. */
function zlibError(error: unknown, inputLength: number, offset: number, maxOutputBytes: number): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return compressError(
      'COMPRESS_OUTPUT_TOO_LARGE',
      `decompressed output would exceed the limit of ${maxOutputBytes} bytes (maxOutputBytes) or the ratio limit`,
      {
        offset,
        cause: error,
      },
    );
  }
  if (code === 'Z_BUF_ERROR') {
    return compressError('GZIP_TRUNCATED', 'deflate data ends early', { offset: inputLength, cause: error });
  }
  if (code === 'Z_DATA_ERROR') {
    return compressError('GZIP_CORRUPT', `invalid deflate data: ${(error as Error).message}`, {
      offset,
      cause: error,
    });
  }
  return error;
}

/** gzip with zlib (faster than fflate); one member, no name, mtime 0. */
export function encodeGzipNode(bytes: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  const level = resolveLevel('gzip', options.level, 6);
  const buffer = gzipSync(bytes, { level, strategy: constants.Z_DEFAULT_STRATEGY });
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
