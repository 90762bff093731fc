/**
 * `initkit compress`: detect a file's compression, decode it (gzip, xz, lzma, zstd, lz4, lzo, bzip2)
 * and encode gzip, lzma or legacy lz4, as `xz -dc` / `gzip -c` would, with typed errors.
 */
import {
  COMPRESSION_FORMATS,
  type CompressionFormat,
  decodeChunks,
  detect,
  ENCODABLE_FORMATS,
  encode,
  isCompressionFormat,
} from '@initkit/compress';
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

function parseLevel(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]$/.test(text)) throw new UsageError(`invalid level ${text}: expected 1 to 9`);
  return Number(text);
}

async function writeChunks(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  if (path !== '-') {
    await writeFileAtomic(path, chunks);
    return;
  }
  for (const chunk of chunks) {
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
    .option('--max-output <bytes>', 'refuse to produce more than this many bytes')
    .action(async (file: string, options: { output: string; format?: string; maxOutput?: string }) => {
      const format = parseFormat(options.format, COMPRESSION_FORMATS);
      if (options.maxOutput !== undefined && !/^\d+$/.test(options.maxOutput)) {
        throw new UsageError(`invalid --max-output ${options.maxOutput}: expected a byte count`);
      }
      const maxOutputBytes = options.maxOutput === undefined ? undefined : Number(options.maxOutput);
      const input = await readInput(file);
      await writeChunks(options.output, decodeChunks(input, { format, maxOutputBytes }));
    });

  compress
    .command('encode')
    .description(`compress a file as ${ENCODED_FORMATS.join(', ')} (lz4 is the kernel's legacy lz4)`)
    .argument('<file>', 'file to compress')
    .requiredOption('-f, --format <format>', ENCODED_FORMATS.join(', '))
    .option('-l, --level <level>', 'compression level 1-9 (gzip, lzma)')
    .option('-o, --output <file>', 'output file, replaced atomically ("-" for stdout)', '-')
    .action(async (file: string, options: { format: string; level?: string; output: string }) => {
      const format = parseFormat(options.format, ENCODED_FORMATS)!;
      const level = parseLevel(options.level);
      const input = await readInput(file);
      await writeOutput(options.output, encode(format, input, { level }));
    });
}
