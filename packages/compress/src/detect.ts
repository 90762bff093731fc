/**
 * Recognise a compression (or an uncompressed cpio archive) by its first bytes, using the magics the
 * kernel's initramfs unpacker looks for. lz4 frame format is recognised but flagged: the kernel only
 * loads the legacy lz4 format.
 */
import type { CompressionFormat } from './format.js';

export type DetectedFormat = CompressionFormat | 'cpio' | 'unknown';

export interface Detection {
  format: DetectedFormat;
  /** Whether the kernel's initramfs unpacker accepts this format. */
  kernelSupported: boolean;
  /** A human description, e.g. "xz" or "lz4 frame (the kernel only reads legacy lz4)". */
  description: string;
}

interface Magic {
  format: DetectedFormat;
  bytes: readonly number[];
  description: string;
  kernelSupported: boolean;
}

const MAGICS: readonly Magic[] = [
  { format: 'gzip', bytes: [0x1f, 0x8b], description: 'gzip', kernelSupported: true },
  { format: 'bzip2', bytes: [0x42, 0x5a, 0x68], description: 'bzip2', kernelSupported: true },
  { format: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], description: 'xz', kernelSupported: true },
  { format: 'lzma', bytes: [0x5d, 0x00, 0x00], description: 'lzma (LZMA-alone)', kernelSupported: true },
  {
    format: 'lzo',
    bytes: [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a],
    description: 'lzo (lzop)',
    kernelSupported: true,
  },
  { format: 'lz4', bytes: [0x02, 0x21, 0x4c, 0x18], description: 'lz4 (legacy)', kernelSupported: true },
  {
    format: 'lz4-frame',
    bytes: [0x04, 0x22, 0x4d, 0x18],
    description: 'lz4 frame (the kernel only reads legacy lz4)',
    kernelSupported: false,
  },
  { format: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd], description: 'zstd', kernelSupported: true },
  { format: 'cpio', bytes: [0x30, 0x37, 0x30, 0x37, 0x30, 0x31], description: 'cpio (newc)', kernelSupported: true },
  { format: 'cpio', bytes: [0x30, 0x37, 0x30, 0x37, 0x30, 0x32], description: 'cpio (crc)', kernelSupported: true },
  {
    format: 'cpio',
    bytes: [0x30, 0x37, 0x30, 0x37, 0x30, 0x37],
    description: 'cpio (odc, the kernel rejects it)',
    kernelSupported: false,
  },
];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** Identifies the compression of `bytes` from its magic number. */
export function detect(bytes: Uint8Array): Detection {
  for (const magic of MAGICS) {
    if (startsWith(bytes, magic.bytes)) {
      return { format: magic.format, kernelSupported: magic.kernelSupported, description: magic.description };
    }
  }
  return { format: 'unknown', kernelSupported: false, description: 'unknown' };
}
