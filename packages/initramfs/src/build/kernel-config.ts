/**
 * What the target kernel's config file (/boot/config-<release>) says about an initrd: which
 * compressions the kernel can unpack (CONFIG_RD_*), and its architecture as an ELF machine, so the
 * builder picks a compression the kernel supports and refuses binaries it could not run.
 */
import type { CompressionFormat } from '@initkit/compress';

export interface KernelConfigFacts {
  /** Initrd compressions the kernel unpacks ('none' always). */
  compressions: CompressionFormat[];
  /** The ELF machine of the kernel's architecture, when the config names one initkit knows. */
  machine?: number;
  /** Whether the kernel can load modules at all (CONFIG_MODULES). */
  modules: boolean;
}

const RD_OPTIONS: readonly [string, CompressionFormat][] = [
  ['CONFIG_RD_GZIP', 'gzip'],
  ['CONFIG_RD_BZIP2', 'bzip2'],
  ['CONFIG_RD_LZMA', 'lzma'],
  ['CONFIG_RD_XZ', 'xz'],
  ['CONFIG_RD_LZO', 'lzo'],
  ['CONFIG_RD_LZ4', 'lz4'],
  ['CONFIG_RD_ZSTD', 'zstd'],
];

// Checked in this order: CONFIG_X86_64 and CONFIG_ARM64 are set alongside other options.
const ARCH_OPTIONS: readonly [string, number][] = [
  ['CONFIG_X86_64', 62],
  ['CONFIG_X86_32', 3],
  ['CONFIG_ARM64', 183],
  ['CONFIG_ARM', 40],
  ['CONFIG_RISCV', 243],
  ['CONFIG_PPC64', 21],
  ['CONFIG_PPC32', 20],
  ['CONFIG_S390', 22],
  ['CONFIG_LOONGARCH', 258],
  ['CONFIG_MIPS', 8],
];

export function parseKernelConfig(text: string): KernelConfigFacts {
  const set = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^(CONFIG_[A-Z0-9_]+)=[ym]/.exec(line);
    if (match) set.add(match[1]!);
  }
  const compressions: CompressionFormat[] = ['none'];
  for (const [option, format] of RD_OPTIONS) if (set.has(option)) compressions.push(format);
  const machine = ARCH_OPTIONS.find(([option]) => set.has(option))?.[1];
  return { compressions, ...(machine === undefined ? {} : { machine }), modules: set.has('CONFIG_MODULES') };
}

/**
 * The compression to write when none is asked for: the first of `preferred` that initkit can encode
 * and the kernel unpacks (without a config, gzip: every initrd-capable kernel since 2.6 reads it).
 */
export function defaultCompression(
  encodable: readonly CompressionFormat[],
  kernel: KernelConfigFacts | undefined,
  preferred: readonly CompressionFormat[] = ['zstd', 'gzip', 'xz', 'lz4', 'lzma'],
): CompressionFormat {
  if (!kernel) return 'gzip';
  return preferred.find((format) => encodable.includes(format) && kernel.compressions.includes(format)) ?? 'none';
}
