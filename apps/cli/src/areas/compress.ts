/**
 * `initkit compress`: detect a file's compression, decode it (gzip, xz, lzma, zstd, lz4, lzo, bzip2)
 * and encode gzip, lzma or legacy lz4, as `xz -dc` / `gzip -c` would, with typed errors.
 */
import {
  COMPRESSION_FORMATS,
  type CompressionFormat,
  decodeFormat,
  decodeStreamExtent,
  detect,
  ENCODABLE_FORMATS,
  encode,
  isCompressionFormat,
  resolveFormat,
  STREAMING_FORMATS,
} from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { writeFileAtomic } from '@initkit/core/node';
import type { Command } from 'commander';
import { readInput } from '../input.js';
import { printJson, writeOutput } from '../output.js';
import { UsageError } from '../usage-error.js';

function parseFormat(text: string | undefined, allowed: readonly CompressionFormat[]): CompressionFormat | undefined {
  if (text === undefined) return undefined;
  if (!isCompressionFormat(text) || !allowed.includes(text)) {
    throw new UsageError(`invalid format ${text}: expected one of ${allowed.join(', ')}`);
  }
  return text;
}

/** What `encode` offers: the encodable formats less `none` (copying a file needs no command). */
const ENCODED_FORMATS = ENCODABLE_FORMATS.filter((format) => format !== 'none');

function parseLevel(text: string | undefined, format: CompressionFormat): number | undefined {
  if (text === undefined) return undefined;
  if (format === 'zstd') {
    if (!/^(1[0-9]|[1-9])$/.test(text)) throw new UsageError(`invalid level ${text}: expected 1 to 19 for zstd`);
  } else if (!/^[1-9]$/.test(text)) throw new UsageError(`invalid level ${text}: expected 1 to 9`);
  return Number(text);
}

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

async function writeChunks(path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  if (path !== '-') {
    await writeFileAtomic(path, chunks);
    return;
  }
  for await (const chunk of chunks) {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(chunk, (error) => (error ? reject(error) : resolve())),
    );
  }
}

/** Adds the `compress` sub-commands to the area's command (named and described in catalog.ts). */
export function registerCompress(compress: Command): void {
  compress
    .command('detect')
    .description('name the compression of each file from its magic number')
    .argument('<files...>', 'files to inspect')
    .option('--json', 'print the results as JSON')
    .action(async (files: string[], options: { json?: boolean }) => {
      const results = [];
      for (const file of files) {
        const head = (await readInput(file)).subarray(0, 16);
        results.push({ file, ...detect(head) });
      }
      if (options.json) printJson(results);
      else {
        for (const r of results) {
          process.stdout.write(
            `${r.file}: ${r.description}${r.kernelSupported ? '' : ' [the kernel does not load this]'}\n`,
          );
        }
      }
    });

  compress
    .command('decode')
    .description('decompress a file (format detected from its magic); writes to stdout unless -o is given')
    .argument('<file>', 'compressed file')
    .option('-o, --output <file>', 'output file, replaced atomically ("-" for stdout)', '-')
    .option('-F, --format <format>', 'decode as this format instead of detecting it')
    .option(
      '--max-output <bytes>',
      'refuse to produce more than this many bytes (default: no limit for gzip, xz, lzma and zstd, which stream in bounded memory; 2 GiB for the others, decoded in memory)',
    )
    .action(async (file: string, options: { output: string; format?: string; maxOutput?: string }) => {
      const asked = parseFormat(options.format, COMPRESSION_FORMATS);
      if (options.maxOutput !== undefined && !/^\d+$/.test(options.maxOutput)) {
        throw new UsageError(`invalid --max-output ${options.maxOutput}: expected a byte count`);
      }
      const maxOutputBytes = options.maxOutput === undefined ? undefined : Number(options.maxOutput);
      const input = await readInput(file);
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
      await writeChunks(options.output, decoded());
      if (verdict.warning) process.stderr.write(`initkit: ${file}: ${verdict.warning}\n`);
      if (verdict.exitCode) process.exitCode = verdict.exitCode;
    });

  compress
    .command('encode')
    .description(`compress a file as ${ENCODED_FORMATS.join(', ')} (lz4 is the kernel's legacy lz4)`)
    .argument('<file>', 'file to compress')
    .requiredOption('-f, --format <format>', ENCODED_FORMATS.join(', '))
    .option('-l, --level <level>', 'compression level: 1-9 for gzip and lzma, 1-19 for zstd')
    .option('-o, --output <file>', 'output file, replaced atomically ("-" for stdout)', '-')
    .action(async (file: string, options: { format: string; level?: string; output: string }) => {
      if (options.format === 'zstd' && !ENCODED_FORMATS.includes('zstd')) {
        throw new UsageError(
          `zstd encoding needs Node 22.15+, 23.8+ or 24 (node:zlib with zstd); this is Node ${process.versions.node}`,
        );
      }
      const format = parseFormat(options.format, ENCODED_FORMATS)!;
      const level = parseLevel(options.level, format);
      const input = await readInput(file);
      await writeOutput(options.output, encode(format, input, { level }));
    });
}
