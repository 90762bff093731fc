/**
 * The names of the compressions initkit knows, and the options every decoder and encoder takes.
 */

/** A compression the kernel (or a module loader) may meet. `lz4` is the kernel's legacy lz4 format. */
export type CompressionFormat = 'gzip' | 'bzip2' | 'lzma' | 'xz' | 'lzo' | 'lz4' | 'lz4-frame' | 'zstd' | 'none';

/** Every compression format, in the order detect() tries their magics. */
export const COMPRESSION_FORMATS: readonly CompressionFormat[] = [
  'gzip',
  'bzip2',
  'lzma',
  'xz',
  'lzo',
  'lz4',
  'lz4-frame',
  'zstd',
  'none',
];

/** Formats encode() can write. */
export const ENCODABLE_FORMATS: readonly CompressionFormat[] = ['gzip', 'lzma', 'lz4', 'none'];

export interface DecodeOptions {
  /** Decode as this format instead of detecting it. */
  format?: CompressionFormat;
  /**
   * Largest output accepted, in bytes. Default: 2 GiB for one-shot decoding (the output is held in
   * memory); no limit for streaming decoders, whose memory is bounded by the format's window.
   */
  maxOutputBytes?: number;
  /**
   * Largest output/input ratio accepted (default: none). Legitimate data (zero-filled images) expands
   * a million-fold, so this is off unless asked for; maxOutputBytes is what bounds memory.
   */
  maxRatio?: number;
  /**
   * Streaming decoders only (decodeStream, decodeStreamExtent, decodeChunks): a chunk is yours until you
   * ask for the next one, after which the decoder may write later output into the same memory. For
   * consumers that parse as they go and copy what they keep (a cpio reader): no fresh buffer per chunk
   * to allocate, fill and collect. Default false: every chunk is the caller's to keep.
   */
  reuseChunks?: boolean;
}

export interface DecodeResult {
  format: CompressionFormat;
  output: Uint8Array;
  /** How many input bytes the compressed stream (all its members or frames) used. */
  consumed: number;
  /** Bytes after the stream that no member, stream or frame used (`input.length - consumed`). */
  trailing: number;
}

export interface EncodeOptions {
  /** Compression level; gzip 1-9 (default 6), lzma 1-9 (default 6), lz4 ignored. */
  level?: number;
}

export function isCompressionFormat(value: string): value is CompressionFormat {
  return (COMPRESSION_FORMATS as readonly string[]).includes(value);
}
