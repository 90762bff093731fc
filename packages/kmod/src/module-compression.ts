/**
 * Compressed modules decoded by a codec the caller passes (@initkit/compress's decode and detect):
 * the logic of decompressModule without importing @initkit/compress, so code that may never meet a
 * compressed module can load the codec only when it does.
 */
import type { decode, detect } from '@initkit/compress';
import { kmodError } from './errors.js';

/** The two functions of @initkit/compress that decompression needs. */
export interface ModuleCodec {
  decode: typeof decode;
  detect: typeof detect;
}

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
export function decompressModuleWith(
  codec: ModuleCodec,
  bytes: Uint8Array,
  options: DecompressModuleOptions = {},
): DecompressedModule {
  if (isElf(bytes)) return { compression: undefined, bytes };
  const { format } = codec.detect(bytes);
  if (format === 'unknown' || format === 'cpio' || format === 'none') {
    const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw kmodError(
      'KMOD_NOT_A_MODULE',
      `expected an ELF module or a compressed one (gzip, xz, zstd), found bytes ${found || '(none: empty file)'}`,
      { offset: 0 },
    );
  }
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_MODULE_BYTES;
  const { output } = codec.decode(bytes, { format, maxOutputBytes });
  return { compression: format, bytes: output };
}
