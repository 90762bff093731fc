/**
 * `initkit compress decode` and `encode`: as `xz -dc` / `gzip -c` would, streaming where the format
 * allows, with the native tools' verdicts on trailing bytes. Decoding a uImage decodes its payload
 * (with a note); encoding refuses to write to a terminal, as gzip does.
 */
import {
  COMPRESSION_FORMATS,
  type CompressionFormat,
  decodeFormat,
  decodeStreamExtent,
  ENCODABLE_FORMATS,
  encode,
  isCompressionFormat,
  resolveFormat,
  STREAMING_FORMATS,
} from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { writeFileAtomic } from '@initkit/core/node';
import { withFile } from '../file-errors.js';
import { readInput } from '../input.js';
import { checkLevel } from '../options.js';
import { outputMode, writeOutput, writeStdout } from '../output.js';
import { outputTarget } from '../output-target.js';
import { UsageError } from '../usage-error.js';
import { uimageWrapper } from './compress-detect.js';

export function parseFormat(
  text: string | undefined,
  allowed: readonly CompressionFormat[],
): CompressionFormat | undefined {
  if (text === undefined) return undefined;
  if (!isCompressionFormat(text) || !allowed.includes(text)) {
    throw new UsageError(`invalid format ${text}: expected one of ${allowed.join(', ')}`);
  }
  return text;
}

/** What `encode` offers: the encodable formats less `none` (copying a file needs no command). */
export const ENCODED_FORMATS = ENCODABLE_FORMATS.filter((format) => format !== 'none');

/** Input piece size fed to the streaming decoders: the decoder's queue holds about one piece. */
const PIECE = 1 << 20;

function* piecesOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += PIECE) yield bytes.subarray(at, at + PIECE);
}

/**
 * What the native tool does with bytes after the last stream: gzip ignores NUL padding and warns
 * about anything else (exit 2), bzip2 warns (exit 0), lzop warns (exit 2); xz, zstd and lz4 fail.
 */
function trailingVerdict(
  format: CompressionFormat,
  tail: Uint8Array,
  offset: number,
): { warning?: string; exitCode?: number } {
  if (tail.length === 0) return {};
  if (format === 'gzip') {
    if (tail.every((byte) => byte === 0)) return {};
    return { warning: 'decompression OK, trailing garbage ignored', exitCode: 2 };
  }
  if (format === 'bzip2') return { warning: 'trailing garbage after EOF ignored' };
  if (format === 'lzo') return { warning: 'ignoring trailing garbage in lzop file', exitCode: 2 };
  throw new InitkitError(
    'COMPRESS_TRAILING_DATA',
    `${tail.length} bytes follow the end of the ${format} data (${format === 'zstd' ? 'not a zstd frame' : 'not a new stream'})`,
    { offset },
  );
}

async function writeChunks(path: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  if (path !== '-') {
    await withFile(path, 'the -o output', () => writeFileAtomic(path, chunks, { mode: outputMode(path) }));
    return;
  }
  for await (const chunk of chunks) await writeStdout(chunk);
}

export interface DecodeFlags {
  output: string;
  format?: string;
  /** -F, decode's earlier name for -f. */
  F?: string;
  maxOutput?: string;
}

export async function decodeAction(file: string, flags: DecodeFlags): Promise<void> {
  const asked = parseFormat(flags.format ?? flags.F, COMPRESSION_FORMATS);
  if (flags.maxOutput !== undefined && !/^\d+$/.test(flags.maxOutput)) {
    throw new UsageError(`invalid --max-output ${flags.maxOutput}: expected a byte count`);
  }
  const maxOutputBytes = flags.maxOutput === undefined ? undefined : Number(flags.maxOutput);
  let input = await withFile(file, 'the compressed file', () => readInput(file));
  const wrapper = asked === undefined ? uimageWrapper(input) : undefined;
  if (wrapper && wrapper.inside.format !== 'unknown') {
    process.stderr.write(
      `initkit: note: ${file} is a uImage (${wrapper.type.name ?? wrapper.type.code}) around ${wrapper.inside.description}: decoding the payload after its ${wrapper.payloadOffset}-byte header\n`,
    );
    input = wrapper.payload;
  }
  const format = resolveFormat(input, { format: asked });
  let verdict: { warning?: string; exitCode?: number } = {};
  async function* decoded(): AsyncGenerator<Uint8Array, void, void> {
    let consumed: number;
    if (STREAMING_FORMATS.includes(format)) {
      const decoding = decodeStreamExtent(piecesOf(input), format, { maxOutputBytes });
      yield* decoding.chunks;
      consumed = decoding.consumed();
    } else {
      const result = decodeFormat(format, input, { maxOutputBytes });
      yield result.output;
      consumed = result.consumed;
    }
    // Thrown before the last write completes, so -o leaves no file when the tool would fail.
    verdict = trailingVerdict(format, input.subarray(consumed), consumed);
  }
  await writeChunks(flags.output, decoded());
  if (verdict.warning) process.stderr.write(`initkit: ${file}: ${verdict.warning}\n`);
  if (verdict.exitCode) process.exitCode = verdict.exitCode;
}

export async function encodeAction(
  file: string,
  flags: { format: string; level?: number; output?: string },
): Promise<void> {
  if (flags.format === 'zstd' && !ENCODED_FORMATS.includes('zstd')) {
    throw new UsageError(
      `zstd encoding needs Node 22.15+, 23.8+ or 24 (node:zlib with zstd); this is Node ${process.versions.node}`,
    );
  }
  const format = parseFormat(flags.format, ENCODED_FORMATS)!;
  checkLevel(flags.level, format);
  const output = outputTarget(flags.output, 'compressed data');
  const input = await withFile(file, 'the file to compress', () => readInput(file));
  await withFile(output, 'the -o output', () => writeOutput(output, encode(format, input, { level: flags.level })));
}
