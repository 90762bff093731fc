/**
 * What a dropped file is and what is inside it, as plain data: each section holds what the matching
 * `initkit ... --json` command prints for the same bytes (and the text the non-JSON command prints),
 * computed by the same library calls. Runs in the worker; the page only renders what this returns.
 */
import { type BootPlan, evaluate, planWarnings, unwrapScriptImage } from '@initkit/bootscript';
import { decode, detect } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { fdtToJson, formatDts, parseFdt } from '@initkit/fdt';
import {
  analysisInFile,
  analysisToJson,
  analyzeInitrd,
  formatAnalysis,
  type Initrd,
  initrdTreeToJson,
  parseInitrd,
} from '@initkit/initramfs';
import { formatModinfo, type KernelVersion, kernelVersion, modinfoEntries, readKernelModule } from '@initkit/kmod';
import { formatListing, isUImage, parseUImage, UIMAGE_TYPE, uimageToJson } from '@initkit/uimage';

export type Kind = 'initrd' | 'cpio' | 'uimage' | 'bootscript' | 'fdt' | 'kmod' | 'kernel' | 'compressed';

export interface TreeRow {
  name: string;
  type: string;
  permissions: string;
  uid: number;
  gid: number;
  /** Names of the same inode in the merged tree (hard links share their size). */
  nlink: number;
  size: number;
  mtime: number;
  member: number;
  linkTarget?: string;
}

export interface Inspection {
  name: string;
  size: number;
  kind: Kind;
  /** One line saying what the file is. */
  summary: string;
  /** `initkit uimage list` (text) and `--json`. */
  uimage?: { listing: string; json: ReturnType<typeof uimageToJson> };
  /** `initkit initramfs analyze --json`, its text form, and `initkit initramfs list --json` (the merged tree). */
  initrd?: { analysis: ReturnType<typeof analysisToJson>; text: string; tree: TreeRow[] };
  /** `initkit bootscript decompile` and `initkit bootscript plan --json`. */
  bootscript?: { text: string; plan: BootPlan };
  /** `initkit fdt dump` and `--json`. */
  fdt?: { dts: string; json: unknown };
  /** `initkit kmod info` and `--json`. */
  kmod?: { text: string; json: unknown };
  /** `initkit kernel version --json`. */
  kernel?: KernelVersion;
  /** `initkit compress detect --json` (less the file name) and the decoded size. */
  compression?: { format: string; kernelSupported: boolean; description: string; decodedSize: number; ratio: number };
  /** Byte strings inside the file that the page offers to preview and download (decoded data, uImage files). */
  parts?: { key: string; name: string; size: number }[];
}

export interface ErrorReport {
  code: string;
  message: string;
  offset?: number;
}

/** An InitkitError (or anything else thrown) as plain data for postMessage. */
export function errorReport(error: unknown): ErrorReport {
  if (error instanceof InitkitError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.offset === undefined ? {} : { offset: error.offset }),
    };
  }
  return { code: 'WEB_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** JSON as the CLI prints it (printJson): bigints as strings, byte arrays left out. */
export function plainJson<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, item) =>
      typeof item === 'bigint' ? item.toString() : item instanceof Uint8Array ? undefined : item,
    ),
  ) as T;
}

/** mkimage's kernel_noload type (no constant in UIMAGE_TYPE). */
const KERNEL_NOLOAD = 14;
/** newc (070701) or crc (070702) cpio magic at `offset`: what the kernel unpacks. */
function isCpioMagic(bytes: Uint8Array, offset: number): boolean {
  return (
    startsWith(bytes, [0x30, 0x37, 0x30, 0x37, 0x30], offset) &&
    (bytes[offset + 5] === 0x31 || bytes[offset + 5] === 0x32)
  );
}

const FDT_MAGIC = [0xd0, 0x0d, 0xfe, 0xed];
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function startsWith(bytes: Uint8Array, magic: number[], at = 0): boolean {
  return magic.every((byte, index) => bytes[at + index] === byte);
}

function ratio(big: number, small: number): number {
  return small === 0 ? 0 : Math.round((big / small) * 100) / 100;
}

/** The initrd sections: analysis as `initramfs analyze` computes it, the merged tree as `initramfs list --json`. */
export function analysisSection(initrd: Initrd, onStage: (stage: string) => void): NonNullable<Inspection['initrd']> {
  onStage(`analysing ${initrd.members.length} members, ${initrd.tree.size} paths`);
  const analysis = analyzeInitrd(initrd);
  return {
    analysis: plainJson(analysisToJson(initrd, analysis)),
    text: formatAnalysis(analysisInFile(initrd, analysis)),
    tree: plainJson(initrdTreeToJson(initrd)) as unknown as TreeRow[],
  };
}

/**
 * Opens compressed bytes as an initrd when they hold one; undefined when they decode to something else.
 * A damaged initrd throws the reader's error; bytes that do not decode throw the decoder's.
 */
function tryCompressedInitrd(bytes: Uint8Array, payload = bytes): Initrd | undefined {
  try {
    return parseInitrd(bytes);
  } catch (error) {
    // Decoded only on failure, to tell "not an initrd" from "a damaged one".
    if (isCpioMagic(decode(payload).output, 0)) throw error;
    return undefined;
  }
}

export interface InspectResult {
  inspection: Inspection;
  /** Kept by the worker for previews, downloads and diffs. */
  initrd?: Initrd;
  /** The bytes of `inspection.parts`, by key, kept by the worker. */
  parts?: Map<string, Uint8Array>;
}

/** The parts of a uImage: each file of a multi or script image, else the payload. */
function uimageParts(name: string, image: { files: Uint8Array[] }) {
  const parts = new Map<string, Uint8Array>();
  const list = image.files.map((file, index) => {
    const key = `uimage:${index}`;
    parts.set(key, file);
    return { key, name: image.files.length > 1 ? `${name}.${index}` : `${name}.payload`, size: file.length };
  });
  return { parts, list };
}

/**
 * Identifies the file and computes every section that applies. Throws InitkitError for bad input.
 * `onStage` hears where a long inspection is (the decoders themselves run to the end in one call).
 */
export function inspect(name: string, bytes: Uint8Array, onStage: (stage: string) => void = () => {}): InspectResult {
  const base = { name, size: bytes.length };
  if (isUImage(bytes)) {
    const image = parseUImage(bytes);
    const uimage = { listing: formatListing(image), json: uimageToJson(image) };
    const type = image.header.type;
    if (type === UIMAGE_TYPE.script) {
      const script = unwrapScriptImage(bytes);
      const evaluated = evaluate(script.text, {});
      // As `initkit bootscript plan`: the evaluator's warnings, then the checks on the plan itself.
      evaluated.warnings.push(...planWarnings(evaluated));
      const plan = plainJson(evaluated);
      return {
        inspection: {
          ...base,
          kind: 'bootscript',
          summary: 'U-Boot script image',
          uimage,
          bootscript: { text: script.text, plan },
        },
      };
    }
    const compressed = detect(image.payload.subarray(0, 16)).format !== 'unknown';
    const initrd =
      type !== UIMAGE_TYPE.ramdisk
        ? undefined
        : isCpioMagic(image.payload, 0)
          ? parseInitrd(bytes)
          : compressed
            ? tryCompressedInitrd(bytes, image.payload)
            : undefined;
    if (initrd) {
      return {
        inspection: {
          ...base,
          kind: 'initrd',
          summary: 'initrd in a uImage (uInitrd)',
          uimage,
          initrd: analysisSection(initrd, onStage),
        },
        initrd,
      };
    }
    if (type === UIMAGE_TYPE.kernel || type === KERNEL_NOLOAD) {
      const { parts, list } = uimageParts(name, image);
      const kernel = kernelVersion(bytes);
      return { inspection: { ...base, kind: 'kernel', summary: 'kernel uImage', uimage, kernel, parts: list }, parts };
    }
    const { parts, list } = uimageParts(name, image);
    return { inspection: { ...base, kind: 'uimage', summary: 'U-Boot legacy image', uimage, parts: list }, parts };
  }
  if (startsWith(bytes, FDT_MAGIC)) {
    const tree = parseFdt(bytes);
    return {
      inspection: {
        ...base,
        kind: 'fdt',
        summary: 'flattened device tree',
        fdt: { dts: formatDts(tree), json: plainJson(fdtToJson(tree)) },
      },
    };
  }
  const detected = detect(bytes.subarray(0, 16));
  const initrd = isCpioMagic(bytes, 0)
    ? parseInitrd(bytes)
    : detected.format !== 'unknown' && !isCompressedModule(name)
      ? tryCompressedInitrd(bytes)
      : undefined;
  if (initrd) {
    const plain = initrd.members.length === 1 && initrd.members[0]!.compression === 'none';
    return {
      inspection: {
        ...base,
        kind: plain ? 'cpio' : 'initrd',
        summary: plain ? 'cpio archive' : `initrd (${initrd.members.map((m) => m.compression).join(' + ')})`,
        initrd: analysisSection(initrd, onStage),
      },
      initrd,
    };
  }
  if (startsWith(bytes, ELF_MAGIC) || isCompressedModule(name)) return inspectElf(name, bytes);
  const kernel = tryKernel(bytes);
  if (kernel) return { inspection: { ...base, kind: 'kernel', summary: `Linux kernel ${kernel.release}`, kernel } };
  if (detected.format !== 'unknown') {
    const decoded = decode(bytes);
    const suffix = /\.(gz|xz|lzma|zst|lz4|lzo|bz2)$/;
    const decodedName = suffix.test(name) ? name.replace(suffix, '') : `${name}.decoded`;
    return {
      inspection: {
        ...base,
        kind: 'compressed',
        summary: detected.description,
        compression: {
          ...detected,
          decodedSize: decoded.output.length,
          ratio: ratio(decoded.output.length, decoded.consumed),
        },
        parts: [{ key: 'decoded', name: decodedName, size: decoded.output.length }],
      },
      parts: new Map([['decoded', decoded.output]]),
    };
  }
  throw new InitkitError(
    'WEB_UNKNOWN_FORMAT',
    `expected a uImage, initrd, cpio archive, compressed file, kernel image, kernel module or device tree; found none of their magic numbers at offset 0`,
    { offset: 0 },
  );
}

export function isCompressedModule(name: string): boolean {
  return /\.ko\.(gz|xz|zst)$/.test(name);
}

/** A .ko (modinfo, signature) or, failing that, a vmlinux (its banner). */
function inspectElf(name: string, bytes: Uint8Array): InspectResult {
  const base = { name, size: bytes.length };
  const module = readKernelModule(bytes, { path: name });
  if (module.info.length === 0) {
    const kernel = tryKernel(bytes);
    if (kernel) return { inspection: { ...base, kind: 'kernel', summary: `Linux kernel ${kernel.release}`, kernel } };
    throw new InitkitError(
      'WEB_UNKNOWN_FORMAT',
      'expected a kernel module (an ELF file with a .modinfo section) or a vmlinux (a Linux banner), found an ELF file with neither',
      { offset: 0 },
    );
  }
  const json = {
    filename: name,
    name: module.name,
    compression: module.compression ?? null,
    elf: { class: module.elf.elfClass, littleEndian: module.elf.littleEndian, machine: module.elf.machine },
    signed: module.signature !== undefined,
    fields: modinfoEntries(module),
  };
  return {
    inspection: {
      ...base,
      kind: 'kmod',
      summary: `kernel module ${module.name}${module.signature ? ' (signed)' : ''}`,
      kmod: { text: formatModinfo(module, { filename: name }), json: plainJson(json) },
    },
  };
}

function tryKernel(bytes: Uint8Array): KernelVersion | undefined {
  try {
    return kernelVersion(bytes);
  } catch {
    return undefined;
  }
}
