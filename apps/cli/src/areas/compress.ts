/**
 * `initkit compress`: detect a file's compression, decode it (gzip, xz, lzma, zstd, lz4, lzo, bzip2)
 * and encode gzip, lzma, legacy lz4 (and zstd where Node has it). This file declares the commands;
 * the actions live in compress-detect.ts and compress-codec.ts.
 */
import { type Command, Option } from 'commander';
import { levelOption } from '../options.js';
import { decodeAction, ENCODED_FORMATS, encodeAction } from './compress-codec.js';
import { detectAction } from './compress-detect.js';

/** Adds the `compress` sub-commands to the area's command (named and described in catalog.ts). */
export function registerCompress(compress: Command): void {
  compress
    .command('detect')
    .description('name the compression of each file from its magic number (and what a uImage wraps)')
    .argument('<files...>', 'files to inspect')
    .option('--json', 'print the results as JSON')
    .action(detectAction);

  compress
    .command('decode')
    .description(
      'decompress a file (format detected from its magic; a uImage is unwrapped); writes to stdout unless -o',
    )
    .argument('<file>', 'compressed file')
    .option('-o, --output <file>', 'output file, replaced atomically ("-" for stdout)', '-')
    .option('-f, --format <format>', 'decode as this format instead of detecting it')
    .addOption(new Option('-F <format>', 'the same as -f (its earlier name)').hideHelp())
    .option(
      '--max-output <bytes>',
      'refuse to produce more than this many bytes (default: no limit for gzip, xz, lzma and zstd, which stream in bounded memory; 2 GiB for the others, decoded in memory)',
    )
    .action(decodeAction);

  compress
    .command('encode')
    .description(`compress a file as ${ENCODED_FORMATS.join(', ')} (lz4 is the kernel's legacy lz4)`)
    .argument('<file>', 'file to compress')
    .requiredOption('-f, --format <format>', ENCODED_FORMATS.join(', '))
    .addOption(levelOption())
    .option('-o, --output <file>', 'output file, replaced atomically (default: stdout, unless it is a terminal)')
    .action(encodeAction);
}
