/**
 * Which kernel an image file holds, without running it: x86 bzImage (the version string its setup
 * header points to), ARM zImage (find and decode the compressed kernel until its banner), arm64
 * Image and Image.gz, a vmlinux, and any of these wrapped in a U-Boot uImage. The release is the word
 * after "Linux version " in the banner, as `uname -r` prints it.
 */
import { type CompressionFormat, decode, decodeChunks, detect, STREAMING_FORMATS } from '@initkit/compress';
import { ByteReader, concatBytes, type InitkitError } from '@initkit/core';
import { isUImage, parseUImage } from '@initkit/uimage';
import { kmodError } from './errors.js';

/** Largest decompressed kernel accepted unless the caller says otherwise. */
const DEFAULT_MAX_KERNEL_BYTES = 256 * 1024 * 1024;

export type KernelImageKind = 'bzImage' | 'zImage' | 'arm64-Image' | 'compressed' | 'uImage' | 'raw';

export interface KernelVersion {
  /** "6.1.0-56-amd64". */
  release: string;
  /** The whole banner or version string: "6.1.0-56-amd64 (debian-kernel@lists.debian.org) ... #1 SMP ...". */
  banner: string;
  /** The outermost container, then each one inside it: ["uImage", "zImage"], ["bzImage"]. */
  layers: KernelImageKind[];
  /** The compression the kernel itself was found in, when it was compressed ("xz", "gzip", ...). */
  compression: CompressionFormat | undefined;
}

export interface KernelVersionOptions {
  /** Largest decompressed kernel accepted (default 256 MiB). */
  maxOutputBytes?: number;
  /**
   * Called with the bytes decoded so far as a zImage's payload is decoded chunk by chunk (each chunk is
   * garbage once searched: a Node caller can collect it here instead of waiting for V8 to).
   */
  onDecoded?: (bytes: number) => void;
}

const BANNER = new TextEncoder().encode('Linux version ');
const BANNER_BYTES = [...BANNER];
/** The banner is read up to a NUL, a newline or this many bytes after "Linux version ". */
const BANNER_MAX_TEXT = 512;
const ZIMAGE_MAGIC = 0x016f2818;
const ARM64_MAGIC = 0x644d5241; // "ARM\x64" little-endian
const latin1 = new TextDecoder('latin1');

/** Compressed payload magics an ARM zImage may carry (the kernel's piggy formats). */
const PAYLOAD_MAGICS: { format: CompressionFormat; bytes: number[] }[] = [
  { format: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { format: 'gzip', bytes: [0x1f, 0x8b, 0x08] },
  { format: 'lzo', bytes: [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a] },
  { format: 'lz4', bytes: [0x02, 0x21, 0x4c, 0x18] },
  { format: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { format: 'lzma', bytes: [0x5d, 0x00, 0x00] },
];

/** The kernel release of an image file; KMOD_KERNEL_VERSION_NOT_FOUND when none can be found. */
export function kernelVersion(image: Uint8Array, options: KernelVersionOptions = {}): KernelVersion {
  return probe(image, options, [], 0);
}

/** Just the release string ("6.1.0-56-amd64"). */
export function kernelRelease(image: Uint8Array, options: KernelVersionOptions = {}): string {
  return kernelVersion(image, options).release;
}

function probe(
  bytes: Uint8Array,
  options: KernelVersionOptions,
  layers: KernelImageKind[],
  depth: number,
): KernelVersion {
  if (depth > 4) throw noVersion('images nest more than four levels deep');
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_KERNEL_BYTES;
  // Every read below is guarded by a length check, so the reader's truncation code is never thrown.
  const header = new ByteReader(bytes, { truncatedCode: 'KMOD_KERNEL_VERSION_NOT_FOUND', what: 'kernel header' });

  if (isUImage(bytes)) {
    const image = parseUImage(bytes, { verifyChecksums: false });
    let payload = image.files[0] ?? image.payload;
    let compression: CompressionFormat | undefined;
    const declared = UIMAGE_COMPRESSIONS[image.header.compression];
    if (declared) {
      payload = decode(payload, { format: declared, maxOutputBytes }).output;
      compression = declared;
    }
    const inner = probe(payload, options, [...layers, 'uImage'], depth + 1);
    return compression && !inner.compression ? { ...inner, compression } : inner;
  }

  if (bytes.length >= 0x210 && latin1.decode(bytes.subarray(0x202, 0x206)) === 'HdrS') {
    const pointer = header.seek(0x20e).u16le();
    const at = pointer + 0x200;
    if (pointer !== 0 && at < bytes.length) {
      const end = bytes.indexOf(0, at);
      const banner = latin1.decode(bytes.subarray(at, end < 0 ? Math.min(bytes.length, at + 512) : end));
      const release = banner.split(' ')[0] ?? '';
      if (/^\d+\.\d+/.test(release)) return { release, banner, layers: [...layers, 'bzImage'], compression: undefined };
    }
  }

  if (bytes.length >= 0x30 && header.seek(0x24).u32le() === ZIMAGE_MAGIC) {
    const start = header.u32le();
    const end = header.u32le();
    // end - start is the zImage's own length; anything after it is an appended device tree.
    const zImage = end > start && end - start <= bytes.length ? bytes.subarray(0, end - start) : bytes;
    return fromCompressedPayload(zImage, options, [...layers, 'zImage']);
  }

  if (bytes.length >= 0x40 && header.seek(0x38).u32le() === ARM64_MAGIC) {
    return fromBanner(bytes, [...layers, 'arm64-Image'], undefined);
  }

  const { format } = detect(bytes);
  if (format !== 'unknown' && format !== 'cpio' && format !== 'none' && format !== 'lz4-frame') {
    const output = decode(bytes, { format, maxOutputBytes }).output;
    const inner = probe(output, options, [...layers, 'compressed'], depth + 1);
    return inner.compression ? inner : { ...inner, compression: format };
  }
  return fromBanner(bytes, [...layers, 'raw'], undefined);
}

/** uImage compression codes to formats: 1 gzip, 2 bzip2, 3 lzma, 4 lzo, 5 lz4, 6 zstd. */
const UIMAGE_COMPRESSIONS: Record<number, CompressionFormat> = {
  1: 'gzip',
  2: 'bzip2',
  3: 'lzma',
  4: 'lzo',
  5: 'lz4',
  6: 'zstd',
};

/**
 * The zImage does not record where its compressed kernel starts. Try each place a payload magic
 * appears (xz last-first, since the decompressor itself contains the xz magic; then the others in
 * file order) until one decodes to something with a banner.
 */
function fromCompressedPayload(
  zImage: Uint8Array,
  options: KernelVersionOptions,
  layers: KernelImageKind[],
): KernelVersion {
  const candidates: { format: CompressionFormat; offset: number }[] = [];
  for (const { format, bytes: magic } of PAYLOAD_MAGICS) {
    const offsets = findAll(zImage, magic);
    if (format === 'xz') offsets.reverse();
    for (const offset of offsets)
      if (format !== 'lzma' || plausibleLzmaHeader(zImage, offset)) candidates.push({ format, offset });
  }
  const failures: string[] = [];
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_KERNEL_BYTES;
  for (const { format, offset } of candidates) {
    let searched: BannerSearch;
    try {
      if (STREAMING_FORMATS.includes(format)) {
        searched = searchWhileDecoding(zImage.subarray(offset), format, maxOutputBytes, options.onDecoded);
      } else {
        const output = decodePayload(zImage, offset, format, maxOutputBytes);
        searched = { found: findBanner(output), decoded: output.length };
      }
    } catch (error) {
      failures.push(`${format} at ${offset}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (searched.found) return { ...searched.found, layers, compression: format };
    failures.push(`${format} at ${offset}: decoded ${searched.decoded} bytes without a Linux version banner`);
  }
  throw noVersion(
    candidates.length === 0
      ? 'the zImage holds no gzip, xz, lzma, lzo, lz4 or zstd payload magic'
      : `no payload of the zImage decoded to a kernel (${failures.slice(0, 3).join('; ')})`,
  );
}

interface BannerSearch {
  found: { release: string; banner: string } | undefined;
  decoded: number;
}

/**
 * Decodes a streamable payload chunk by chunk and stops at the first banner: the rest of the kernel
 * (about 40% of an armmp kernel, whose banner sits in .rodata after .text) is never decoded, and the
 * decoded kernel is never held whole. Each chunk is searched where it lies; only the seam between two
 * chunks is copied (the last bytes a banner starting before it could need, and as many after it).
 */
function searchWhileDecoding(
  payload: Uint8Array,
  format: CompressionFormat,
  maxOutputBytes: number,
  onDecoded: ((bytes: number) => void) | undefined,
): BannerSearch {
  const carrySize = BANNER.length + BANNER_MAX_TEXT;
  let carry = new Uint8Array(0);
  let decoded = 0;
  // Chunks lent back (reuseChunks): only the carry outlives a chunk, and it is a copy.
  for (const chunk of decodeChunks(payload, { format, maxOutputBytes, reuseChunks: true })) {
    decoded += chunk.length;
    onDecoded?.(decoded);
    if (carry.length > 0) {
      // Banners that start in the carried bytes, before this chunk.
      const seam = concatBytes([carry, chunk.subarray(0, carrySize)]);
      const atSeam = scanBanner(seam, true, carry.length);
      if (atSeam === 'incomplete') {
        // The chunk is shorter than a banner: all of it is in the seam; wait for the next one.
        carry = seam.slice(Math.max(0, seam.length - carrySize));
        continue;
      }
      if (atSeam) return { found: atSeam, decoded };
    }
    const inChunk = scanBanner(chunk, true, chunk.length);
    if (inChunk && inChunk !== 'incomplete') return { found: inChunk, decoded };
    // A copy, not a view: a view would keep the decoder's whole chunk alive.
    carry =
      chunk.length >= carrySize ? chunk.slice(chunk.length - carrySize) : concatBytes([carry, chunk]).slice(-carrySize);
  }
  const last = scanBanner(carry, false, carry.length);
  return { found: last && last !== 'incomplete' ? last : undefined, decoded };
}

function decodePayload(
  zImage: Uint8Array,
  offset: number,
  format: CompressionFormat,
  maxOutputBytes: number,
): Uint8Array {
  if (format !== 'lz4') return decode(zImage.subarray(offset), { format, maxOutputBytes }).output;
  // Legacy lz4 has no end marker: the kernel knows the payload's length. Walk the chunk sizes; the
  // payload ends where the next word equals the decoded length (the size the kernel build appends).
  const words = new ByteReader(zImage, { truncatedCode: 'KMOD_KERNEL_VERSION_NOT_FOUND', what: 'lz4 chunk size' });
  let position = offset + 4;
  let last: Uint8Array | undefined;
  for (let chunk = 0; chunk < 256 && position + 4 <= zImage.length; chunk++) {
    const chunkSize = words.seek(position).u32le();
    if (chunkSize === 0 || position + 4 + chunkSize > zImage.length) break;
    position += 4 + chunkSize;
    try {
      last = decode(zImage.subarray(offset, position), { format, maxOutputBytes }).output;
    } catch {
      continue;
    }
    if (position + 4 > zImage.length || words.seek(position).u32le() === last.length) return last;
  }
  if (last) return last;
  return decode(zImage.subarray(offset), { format, maxOutputBytes }).output;
}

/**
 * "5d 00 00" is common in code; an LZMA-alone header also has a sane dictionary and size. A DataView
 * rather than core's ByteReader: it runs at every "5d 00 00" of a zImage while the payload is searched.
 */
function plausibleLzmaHeader(bytes: Uint8Array, offset: number): boolean {
  if (offset + 13 > bytes.length) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 13);
  const dictionary = view.getUint32(1, true);
  const sizeLow = view.getUint32(5, true);
  const sizeHigh = view.getUint32(9, true);
  const unknownSize = sizeLow === 0xffffffff && sizeHigh === 0xffffffff;
  return dictionary >= 4096 && dictionary <= 1 << 30 && (unknownSize || (sizeHigh === 0 && sizeLow > 0));
}

function fromBanner(
  bytes: Uint8Array,
  layers: KernelImageKind[],
  compression: CompressionFormat | undefined,
): KernelVersion {
  const found = findBanner(bytes);
  if (!found) throw noVersion(`no "Linux version" banner in ${bytes.length} bytes (${layers.join(' > ')})`);
  return { ...found, layers, compression };
}

/**
 * The first "Linux version <release> " whose release starts with digits.digits. With `more` (more
 * bytes follow these), a banner that runs into the end of `bytes` unterminated ends the search
 * unanswered: the caller searches again once the next bytes have arrived.
 */
export function findBanner(
  bytes: Uint8Array,
  options: { more?: boolean } = {},
): { release: string; banner: string } | undefined {
  const found = scanBanner(bytes, options.more ?? false, bytes.length);
  return found === 'incomplete' ? undefined : found;
}

/** findBanner for banners starting before `before`; 'incomplete' when the first one runs past the end. */
function scanBanner(
  bytes: Uint8Array,
  more: boolean,
  before: number,
): { release: string; banner: string } | 'incomplete' | undefined {
  for (const at of findAll(bytes, BANNER_BYTES)) {
    if (at >= before) return undefined;
    const start = at + BANNER.length;
    let end = start;
    while (end < bytes.length && end - start < BANNER_MAX_TEXT && bytes[end] !== 0 && bytes[end] !== 0x0a) end++;
    if (more && end === bytes.length && end - start < BANNER_MAX_TEXT) return 'incomplete';
    const banner = latin1.decode(bytes.subarray(start, end));
    const release = banner.split(' ')[0] ?? '';
    if (/^\d+\.\d+/.test(release) && banner.length > release.length) return { release, banner };
  }
  return undefined;
}

function findAll(bytes: Uint8Array, magic: readonly number[]): number[] {
  const offsets: number[] = [];
  const first = magic[0]!;
  let at = bytes.indexOf(first);
  while (at >= 0 && at + magic.length <= bytes.length) {
    let match = true;
    for (let i = 1; i < magic.length; i++) {
      if (bytes[at + i] !== magic[i]) {
        match = false;
        break;
      }
    }
    if (match) offsets.push(at);
    at = bytes.indexOf(first, at + 1);
  }
  return offsets;
}

function noVersion(message: string): InitkitError {
  return kmodError('KMOD_KERNEL_VERSION_NOT_FOUND', `cannot tell the kernel version: ${message}`);
}
