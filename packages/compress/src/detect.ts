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

/**
 * .lzma as the kernel finds it, by its two-byte magic 5d 00 (properties lc=3 lp=0 pb=2, as every
 * encoder writes them), and as xz checks the rest of the header: a dictionary of 2^n or 2^n + 2^(n-1)
 * bytes (or UINT32_MAX) and a size that is unknown (all ones) or below 2^38.
 */
function isLzmaAlone(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes[0] !== 0x5d || bytes[1] !== 0x00) return false;
  if (bytes.length < 13) return true;
  const dictionary = (bytes[1]! | (bytes[2]! << 8) | (bytes[3]! << 16) | (bytes[4]! << 24)) >>> 0;
  const saneDictionary =
    dictionary === 0xffffffff ||
    [0, 1].some((half) => {
      for (let n = 0; n < 32; n++) if (dictionary === 2 ** n + (half ? 2 ** (n - 1) : 0)) return true;
      return false;
    });
  const sizeUnknown = bytes.subarray(5, 13).every((byte) => byte === 0xff);
  const sizeSane = bytes[12] === 0 && bytes[11] === 0 && bytes[10] === 0 && bytes[9]! < 0x40;
  return saneDictionary && (sizeUnknown || sizeSane);
}

const SKIPPABLE_HEADER = 8;

function isSkippableFrameAt(bytes: Uint8Array, at: number): boolean {
  return (
    at + 4 <= bytes.length &&
    (bytes[at]! & 0xf0) === 0x50 &&
    bytes[at + 1] === 0x2a &&
    bytes[at + 2] === 0x4d &&
    bytes[at + 3] === 0x18
  );
}

/**
 * A zstd or lz4 frame that begins with skippable frames (which both formats share): the frames after
 * them decide. The kernel's two-byte magic check rejects such a file, so it is not kernel-supported.
 */
function detectAfterSkippable(bytes: Uint8Array): Detection | undefined {
  if (!isSkippableFrameAt(bytes, 0)) return undefined;
  let at = 0;
  while (isSkippableFrameAt(bytes, at)) {
    if (at + SKIPPABLE_HEADER > bytes.length) break;
    at +=
      SKIPPABLE_HEADER +
      ((bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0);
  }
  const rest = bytes.subarray(Math.min(at, bytes.length));
  const lz4 = rest.length >= 4 && rest[0] === 0x04 && rest[1] === 0x22 && rest[2] === 0x4d && rest[3] === 0x18;
  // With too few bytes to see past the skippable frames, zstd (their usual writer) is the guess.
  return lz4
    ? {
        format: 'lz4-frame',
        kernelSupported: false,
        description: 'lz4 frame after a skippable frame (the kernel only reads legacy lz4)',
      }
    : {
        format: 'zstd',
        kernelSupported: false,
        description: 'zstd after a skippable frame (the kernel looks for the zstd magic first and rejects it)',
      };
}

/** Identifies the compression of `bytes` from its magic number. */
export function detect(bytes: Uint8Array): Detection {
  for (const magic of MAGICS) {
    if (startsWith(bytes, magic.bytes)) {
      return { format: magic.format, kernelSupported: magic.kernelSupported, description: magic.description };
    }
  }
  if (isLzmaAlone(bytes)) return { format: 'lzma', kernelSupported: true, description: 'lzma (LZMA-alone)' };
  return detectAfterSkippable(bytes) ?? { format: 'unknown', kernelSupported: false, description: 'unknown' };
}
