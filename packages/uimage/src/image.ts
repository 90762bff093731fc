/**
 * Whole legacy images: parse (header, payload, and the files of multi and script images) and create,
 * byte-identical to mkimage for the same inputs.
 */
import { crc32, encodeUtf8, hex32 } from '@initkit/core';
import { type CodeCategory, codeFromName, UIMAGE_OS, UIMAGE_TYPE } from './codes.js';
import { uimageError } from './errors.js';
import { encodeHeader, parseHeader, UIMAGE_HEADER_SIZE, type UImageHeader } from './header.js';
import { buildMultiPayload, splitMultiPayload } from './multi.js';

export interface UImage {
  header: UImageHeader;
  /** The `size` payload bytes after the header (a view into the input, not a copy). */
  payload: Uint8Array;
  /** Multi and script images: the files of the size table. Other types: `[payload]`. */
  files: Uint8Array[];
  /** Whether the payload's CRC matched (always true unless verifyChecksums was false). */
  dataCrcOk: boolean;
  /** Bytes after the payload that are not part of the image (an image inside a larger buffer). */
  trailing: number;
}

export interface ParseOptions {
  /**
   * Check the payload against the header's data CRC (default true). False reads an image whose
   * payload is damaged, for inspection; `dataCrcOk` then says whether it matched. The header CRC is
   * always checked.
   */
  verifyChecksums?: boolean;
  /** @deprecated Since 0.2.0: use `verifyChecksums` (the name every initkit package uses). */
  verifyDataCrc?: boolean;
}

/** True for the types whose payload is a size table followed by files. */
export function hasFileTable(type: number): boolean {
  return type === UIMAGE_TYPE.multi || type === UIMAGE_TYPE.script;
}

export function parseUImage(bytes: Uint8Array, options: ParseOptions = {}): UImage {
  const header = parseHeader(bytes);
  const available = bytes.length - UIMAGE_HEADER_SIZE;
  if (header.size > available) {
    throw uimageError(
      'UIMAGE_TRUNCATED',
      `uImage payload: header says ${header.size} bytes, but only ${available} follow the header`,
      { offset: UIMAGE_HEADER_SIZE + available },
    );
  }
  const payload = bytes.subarray(UIMAGE_HEADER_SIZE, UIMAGE_HEADER_SIZE + header.size);
  const computed = crc32(payload);
  const dataCrcOk = computed === header.dataCrc;
  if (!dataCrcOk && (options.verifyChecksums ?? options.verifyDataCrc) !== false) {
    throw uimageError(
      'UIMAGE_BAD_DCRC',
      `uImage data CRC mismatch: header says ${hex32(header.dataCrc)}, computed ${hex32(computed)} over ${header.size} bytes`,
      { offset: UIMAGE_HEADER_SIZE },
    );
  }
  const files = hasFileTable(header.type) ? splitMultiPayload(payload) : [payload];
  return { header, payload, files, dataCrcOk, trailing: available - header.size };
}

/** A field given as a code or as mkimage's short name (case-insensitive). */
export type CodeOrName = number | string;

export interface CreateOptions {
  /** Default 'linux', as mkimage. */
  os?: CodeOrName;
  /** Default 'ppc', as mkimage. */
  arch?: CodeOrName;
  /** Default 'kernel', as mkimage. */
  type?: CodeOrName;
  /** Default 'gzip', as mkimage (it only sets the header field; the data is stored as given). */
  compression?: CodeOrName;
  /** Load address, default 0 (for OS "tee" mkimage takes it from the OP-TEE header instead). */
  load?: number;
  /** Entry point; default the load address (plus the header size for XIP images). */
  entry?: number;
  name?: string | Uint8Array;
  /** Unix seconds; default SOURCE_DATE_EPOCH when the environment has it, else now. */
  time?: number;
  /**
   * Execute in place (mkimage -x): the data starts with 64 bytes of 0xff reserved for the header,
   * which replace them instead of being prepended. Single-file images only.
   */
  executeInPlace?: boolean;
}

export type CreateInput = CreateOptions & ({ data: Uint8Array } | { files: readonly Uint8Array[] });

export function createUImage(input: CreateInput): Uint8Array {
  const type = resolveCode('type', input.type ?? 'kernel');
  const load = (input.load ?? 0) >>> 0;
  const files = 'files' in input ? input.files : [input.data];
  if (files.length === 0) throw uimageError('UIMAGE_BAD_OPTION', 'an image needs at least one data file');
  if (files.length > 1 && !hasFileTable(type)) {
    throw uimageError('UIMAGE_BAD_OPTION', `only multi and script images hold several files, got ${files.length}`);
  }
  if (input.executeInPlace && files.length > 1) {
    throw uimageError('UIMAGE_BAD_OPTION', 'execute-in-place images hold a single data file');
  }
  const data = input.executeInPlace ? files.map(stripXipReservation) : files;
  const payload = hasFileTable(type) ? buildMultiPayload(data) : (data[0] as Uint8Array);
  const os = resolveCode('os', input.os ?? 'linux');
  const defaultEntry = input.executeInPlace ? load + UIMAGE_HEADER_SIZE : load;
  const addresses =
    os === UIMAGE_OS.tee ? opteeAddresses(payload) : { load, entry: (input.entry ?? defaultEntry) >>> 0 };
  const header = encodeHeader({
    time: (input.time ?? defaultTimestamp()) >>> 0,
    size: payload.length,
    ...addresses,
    dataCrc: crc32(payload),
    os,
    arch: resolveCode('arch', input.arch ?? 'ppc'),
    type,
    compression: resolveCode('comp', input.compression ?? 'gzip'),
    nameBytes: typeof input.name === 'string' ? encodeUtf8(input.name) : (input.name ?? new Uint8Array()),
  });
  const image = new Uint8Array(UIMAGE_HEADER_SIZE + payload.length);
  image.set(header);
  image.set(payload, UIMAGE_HEADER_SIZE);
  return image;
}

function resolveCode(category: CodeCategory, value: CodeOrName): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw uimageError('UIMAGE_BAD_OPTION', `${category} code must be 0..255, got ${value}`);
    }
    return value;
  }
  const code = codeFromName(category, value);
  if (code === undefined) throw uimageError('UIMAGE_BAD_OPTION', `unknown ${category} name "${value}"`);
  return code;
}

/**
 * mkimage ignores -a and -e for OS "tee": it takes the entry point from the OP-TEE header at the start
 * of the payload (init_load_addr_lo, little-endian, at offset 16; missing bytes read as zero) and puts
 * the load address 28 bytes (that header's size) before it.
 */
function opteeAddresses(payload: Uint8Array): { load: number; entry: number } {
  let entry = 0;
  for (let i = 3; i >= 0; i--) entry = (entry * 256 + (payload[16 + i] ?? 0)) >>> 0;
  return { load: (entry - OPTEE_HEADER_SIZE) >>> 0, entry };
}

const OPTEE_HEADER_SIZE = 28;

function stripXipReservation(data: Uint8Array): Uint8Array {
  if (data.length < UIMAGE_HEADER_SIZE) {
    throw uimageError('UIMAGE_BAD_OPTION', `execute-in-place data must be at least ${UIMAGE_HEADER_SIZE} bytes`);
  }
  const reserved = data.subarray(0, UIMAGE_HEADER_SIZE);
  const bad = reserved.findIndex((byte) => byte !== 0xff);
  if (bad !== -1) {
    throw uimageError(
      'UIMAGE_BAD_OPTION',
      `execute-in-place data must start with ${UIMAGE_HEADER_SIZE} bytes of 0xff reserved for the header`,
      { offset: bad },
    );
  }
  return data.subarray(UIMAGE_HEADER_SIZE);
}

/**
 * mkimage's timestamp: SOURCE_DATE_EPOCH parsed as base-10 leading digits (anything else counts as 0)
 * when the variable is set, otherwise the current time.
 */
export function defaultTimestamp(
  environment: Record<string, string | undefined> | undefined = processEnvironment(),
): number {
  const epoch = environment?.SOURCE_DATE_EPOCH;
  if (epoch === undefined) return Math.floor(Date.now() / 1000);
  const digits = /^\s*\d+/.exec(epoch)?.[0] ?? '0';
  return Number(BigInt(digits.trim()) & 0xffffffffn);
}

function processEnvironment(): Record<string, string | undefined> | undefined {
  const candidate = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return candidate?.env;
}
