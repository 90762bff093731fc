/**
 * Option parsers and options shared by the areas, so one meaning has one name and one check
 * everywhere: `-c/--compress FORMAT` and `-l/--level N` for what a command compresses with,
 * `--mtime`, repeatable lists, and NAME=VALUE pairs.
 */
import { type CompressionFormat, ENCODABLE_FORMATS, isCompressionFormat } from '@initkit/compress';
import { Option } from 'commander';
import { UsageError } from './usage-error.js';

/** Collects a repeatable option's values in order. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A compression initkit can encode (for what a command writes). */
export function parseEncodableCompression(value: string): CompressionFormat {
  if (!isCompressionFormat(value) || !ENCODABLE_FORMATS.includes(value)) {
    throw new UsageError(`invalid compression ${value}: expected one of ${ENCODABLE_FORMATS.join(', ')}`);
  }
  return value;
}

/** Compression level 1-9 (zstd's 10-19 are checked where zstd is chosen). */
export function parseLevel(value: string): number {
  if (!/^(1[0-9]|[1-9])$/.test(value))
    throw new UsageError(`invalid level ${value}: expected 1 to 9 (1 to 19 for zstd)`);
  return Number(value);
}

/** Checks a level against the chosen compression: 1-9, or 1-19 for zstd. */
export function checkLevel(level: number | undefined, format: CompressionFormat | undefined): void {
  if (level !== undefined && level > 9 && format !== 'zstd') {
    throw new UsageError(`invalid level ${level}: expected 1 to 9${format ? ` for ${format}` : ''}`);
  }
}

/** `-c, --compress <format>`: the compression of what the command writes. */
export function compressOption(description: string): Option {
  return new Option('-c, --compress <format>', `${description} (${ENCODABLE_FORMATS.join(', ')})`).argParser(
    parseEncodableCompression,
  );
}

/** `--max-output <bytes>`: the most bytes one initrd member may decompress to (every initramfs command). */
export function maxOutputOption(): Option {
  return new Option(
    '--max-output <bytes>',
    'refuse a member that decompresses to more than this many bytes (default: none for gzip, xz, lzma and zstd members, which are streamed; 2 GiB for bzip2, lzo and lz4, decoded in memory)',
  );
}

/** `-l, --level <n>`: the compression level. */
export function levelOption(): Option {
  return new Option('-l, --level <n>', 'compression level: 1-9 (1-19 for zstd)').argParser(parseLevel);
}

/** A count of seconds since the epoch that fits a cpio header (32 bits). */
export function parseEpochSeconds(value: string, what: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw new UsageError(`invalid ${what} ${value}: expected seconds since the epoch (0 to 4294967295)`);
  }
  return Number(value);
}

/** SOURCE_DATE_EPOCH when set (reproducible builds), checked. */
export function sourceDateEpoch(): number | undefined {
  const value = process.env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return undefined;
  return parseEpochSeconds(value, 'SOURCE_DATE_EPOCH');
}

/** NAME=VALUE pairs of a repeatable option. */
export function parseAssignments(pairs: readonly string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`${flag} ${pair}: expected NAME=VALUE`);
    result[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return result;
}
