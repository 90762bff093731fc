/**
 * Compressed modules (.ko.gz, .ko.xz, .ko.zst) decoded through @initkit/compress, for initrds whose
 * insmod cannot decompress and for reading a module's ELF sections. The format comes from the magic
 * bytes, never from the file name.
 */
import { decode, detect } from '@initkit/compress';
import { InitkitError } from '@initkit/core';

export interface DecompressedModule {
  /** The compression the module was stored in ("gzip", "xz", "zstd", ...), or undefined for a plain ELF. */
  compression: string | undefined;
  /** The ELF bytes (the input itself when it was not compressed). */
  bytes: Uint8Array;
}

export interface DecompressModuleOptions {
  /** Largest decompressed size accepted (default 512 MiB; the biggest modules are tens of MiB). */
  maxOutputBytes?: number;
}

const DEFAULT_MAX_MODULE_BYTES = 512 * 1024 * 1024;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** The module's ELF bytes, decompressing when the input starts with a compression magic. */
export function decompressModule(bytes: Uint8Array, options: DecompressModuleOptions = {}): DecompressedModule {
  if (isElf(bytes)) return { compression: undefined, bytes };
  const { format } = detect(bytes);
  if (format === 'unknown' || format === 'cpio' || format === 'none') {
    const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new InitkitError(
      'KMOD_NOT_A_MODULE',
      `expected an ELF module or a compressed one (gzip, xz, zstd), found bytes ${found || '(none: empty file)'}`,
      { offset: 0 },
    );
  }
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_MODULE_BYTES;
  const { output } = decode(bytes, { format, maxOutputBytes });
  return { compression: format, bytes: output };
}
