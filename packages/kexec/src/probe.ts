/**
 * What kind of kernel image a file holds, read the way kexec-tools reads it: an ARM zImage (header at
 * 0x24, its own length end - start, an appended DTB after it, the optional KLSZ size tag), the same inside
 * a U-Boot uImage (checked as kexec-tools' uImage_probe does, then the 64-byte header stripped), an x86
 * bzImage ("HdrS" at 0x202), an arm64 Image ("ARM\x64" at 0x38) and a gzip-compressed arm64 Image (decoded
 * with the `gunzip` option: gunzip.ts loads the decoder only for such a kernel). probeKernel never throws
 * for a file that is simply something else: it says `unknown`.
 */
import { ByteReader, crc32, hex32, isInitkitError } from '@initkit/core';
import { isUImage, parseHeader, UIMAGE_ARCH, UIMAGE_HEADER_SIZE, UIMAGE_OS, UIMAGE_TYPE } from '@initkit/uimage';
import { kexecError } from './errors.js';
import { type Gunzip, isGzip } from './gunzip.js';

export type KernelKind = 'zImage' | 'bzImage' | 'arm64-Image' | 'unknown';

export interface ZImageInfo {
  /** The header's start and end words: end - start is the zImage's own length. */
  start: number;
  end: number;
  /** end - start. */
  size: number;
  /** Bytes after the zImage (an appended device tree), dropped by the loader. */
  appendedBytes: number;
  /** The KLSZ extension tag, when the zImage has one (kernels since 3.x). */
  sizeTag?: {
    /** File offset of the little-endian word holding the decompressed text+data size. */
    sizePointer: number;
    /** The word at sizePointer: text+data of the decompressed kernel. */
    dataSize: number;
    bssSize: number;
  };
}

export interface KernelProbe {
  kind: KernelKind;
  /** The layers around the kernel, outermost first: ['uImage'], ['gzip'] or []. */
  wrappers: Array<'uImage' | 'gzip'>;
  /** The kernel bytes themselves (uImage header stripped, gzip decoded). */
  kernel: Uint8Array;
  /** Set for kind 'zImage'. */
  zImage?: ZImageInfo;
  /** What the file looks like when kind is 'unknown', for the error message. */
  description?: string;
}

export const ZIMAGE_MAGIC = 0x016f2818;
export const ZIMAGE_MAGIC2 = 0x45454545;
/** "KLSZ" little-endian: the kernel size extension tag. */
export const ZIMAGE_TAG_KERNEL_SIZE = 0x5a534c4b;
const ZIMAGE_HEADER_SIZE = 0x3c;
const ARM64_MAGIC = 0x644d5241;
/** U-Boot image type 14, kernel_noload (not in UIMAGE_TYPE). */
const KERNEL_NOLOAD = 14;

export interface ProbeOptions {
  /** Largest decompressed Image.gz accepted (default 256 MiB). */
  maxOutputBytes?: number;
  /**
   * The decoder for a gzip-compressed kernel (`await loadGunzip()`); without it a gzip file is `unknown`
   * with wrappers ['gzip'] and a description saying so.
   */
  gunzip?: Gunzip;
}

/** The kind of kernel in `bytes`; zImage truncation and a corrupt uImage wrapper throw KexecError. */
export function probeKernel(bytes: Uint8Array, options: ProbeOptions = {}): KernelProbe {
  if (isUImage(bytes)) {
    const payload = unwrapUImage(bytes);
    const inner = probeKernel(payload, options);
    return { ...inner, wrappers: ['uImage', ...inner.wrappers] };
  }
  if (
    bytes.length >= 0x210 &&
    bytes[0x202] === 0x48 &&
    bytes[0x203] === 0x64 &&
    bytes[0x204] === 0x72 &&
    bytes[0x205] === 0x53
  ) {
    return { kind: 'bzImage', wrappers: [], kernel: bytes };
  }
  const reader = new ByteReader(bytes, { truncatedCode: 'KEXEC_TRUNCATED', what: 'kernel header' });
  if (bytes.length > ZIMAGE_HEADER_SIZE && reader.seek(0x24).u32le() === ZIMAGE_MAGIC) {
    return { kind: 'zImage', wrappers: [], kernel: bytes, zImage: readZImage(bytes, reader) };
  }
  if (bytes.length >= 0x40 && reader.seek(0x38).u32le() === ARM64_MAGIC) {
    return { kind: 'arm64-Image', wrappers: [], kernel: bytes };
  }
  if (isGzip(bytes)) {
    if (!options.gunzip) {
      return {
        kind: 'unknown',
        wrappers: ['gzip'],
        kernel: bytes,
        description: 'a gzip-compressed file, probed without a gunzip (pass `gunzip: await loadGunzip()`)',
      };
    }
    let output: Uint8Array;
    try {
      output = options.gunzip(bytes, options.maxOutputBytes ?? 256 << 20);
    } catch (error) {
      if (!isInitkitError(error)) throw error;
      return {
        kind: 'unknown',
        wrappers: [],
        kernel: bytes,
        description: `a gzip file that does not decode (${error.message})`,
      };
    }
    const inner = probeKernel(output, options);
    return { ...inner, wrappers: ['gzip', ...inner.wrappers] };
  }
  return { kind: 'unknown', wrappers: [], kernel: bytes, description: describe(bytes) };
}

/** The zImage header and KLSZ tag; throws KEXEC_TRUNCATED when the file is shorter than end - start. */
function readZImage(bytes: Uint8Array, header: ByteReader): ZImageInfo {
  const start = header.seek(0x28).u32le('zImage start');
  const end = header.u32le('zImage end');
  // kexec-tools computes end - start in 32 bits; a header with end < start wraps and reads as truncated.
  const size = (end - start) >>> 0;
  if (size > bytes.length) {
    throw kexecError(
      'KEXEC_TRUNCATED',
      `zImage is truncated: the header says ${hex(size)} bytes (end ${hex32(end)} - start ${hex32(start)}), the file has ${hex(bytes.length)}`,
      { offset: 0x2c },
    );
  }
  const info: ZImageInfo = { start, end, size, appendedBytes: bytes.length - size };
  const sizeTag = findKernelSizeTag(bytes.subarray(0, size));
  if (sizeTag) info.sizeTag = sizeTag;
  return info;
}

/**
 * The KLSZ tag, walked as kexec-tools' find_extension_tag does: from the offset at 0x38, {size in words,
 * tag} records, stopping at a zero size or when a record would reach the end of the zImage. Only its
 * first two payload words are read (the tag is 2, 4, 5 or 6 words long across kernel versions).
 */
function findKernelSizeTag(zImage: Uint8Array): ZImageInfo['sizeTag'] {
  const length = zImage.length;
  const reader = new ByteReader(zImage, { truncatedCode: 'KEXEC_TRUNCATED', what: 'zImage tag' });
  if (length < 0x40 || reader.seek(0x34).u32le() !== ZIMAGE_MAGIC2) return undefined;
  const max = length - 8;
  let offset = reader.u32le();
  for (let steps = 0; offset < max && steps < 4096; steps++) {
    const size = (reader.seek(offset).u32le() << 2) >>> 0;
    if (size === 0 || offset + size >= length) return undefined;
    if (reader.u32le() === ZIMAGE_TAG_KERNEL_SIZE) {
      if (offset + 16 > length) return undefined;
      const sizePointer = reader.u32le();
      const bssSize = reader.u32le();
      if (sizePointer + 4 > length) {
        throw kexecError(
          'KEXEC_TRUNCATED',
          `zImage KLSZ tag points at ${hex(sizePointer)}, past the zImage's ${hex(length)} bytes`,
          {
            offset: offset + 8,
          },
        );
      }
      return { sizePointer, dataSize: reader.seek(sizePointer).u32le(), bssSize };
    }
    offset += size;
  }
  return undefined;
}

/**
 * The payload of an ARM kernel uImage, checked as kexec-tools' uImage_probe checks it (header CRC, type
 * kernel or kernel_noload, os linux, arch arm, no compression, size within the file, data CRC); like
 * kexec-tools' uImage_arm_load it is everything after the header, not just `size` bytes.
 */
function unwrapUImage(bytes: Uint8Array): Uint8Array {
  let header: ReturnType<typeof parseHeader>;
  try {
    header = parseHeader(bytes);
  } catch (error) {
    if (isInitkitError(error))
      throw kexecError('KEXEC_NOT_A_KERNEL', `uImage: ${error.message}`, { offset: 0, cause: error });
    throw error;
  }
  const problem =
    header.type !== UIMAGE_TYPE.kernel && header.type !== KERNEL_NOLOAD
      ? `uImage type ${header.type} is not a kernel`
      : header.os !== UIMAGE_OS.linux
        ? `uImage os ${header.os} is not Linux`
        : header.arch !== UIMAGE_ARCH.arm
          ? `uImage arch ${header.arch} is not ARM`
          : header.compression !== 0
            ? `uImage compression ${header.compression}: only uncompressed kernel uImages can be kexec'd`
            : header.size > bytes.length - UIMAGE_HEADER_SIZE
              ? `uImage header says ${header.size} payload bytes, the file has ${bytes.length - UIMAGE_HEADER_SIZE}`
              : undefined;
  if (problem) throw kexecError('KEXEC_NOT_A_KERNEL', problem, { offset: 0 });
  const computed = crc32(bytes.subarray(UIMAGE_HEADER_SIZE, UIMAGE_HEADER_SIZE + header.size));
  if (computed !== header.dataCrc) {
    throw kexecError(
      'KEXEC_NOT_A_KERNEL',
      `uImage data CRC is ${hex32(computed)}, the header says ${hex32(header.dataCrc)}`,
      {
        offset: 24,
      },
    );
  }
  return bytes.subarray(UIMAGE_HEADER_SIZE);
}

function describe(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty file';
  if (bytes.length < 0x40) return `a ${bytes.length}-byte file, too short for any kernel header`;
  const first = Array.from(bytes.subarray(0, 4), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return `no zImage magic at 0x24, no bzImage "HdrS" at 0x202, no arm64 "ARM\\x64" at 0x38 (starts ${first})`;
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
