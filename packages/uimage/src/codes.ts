/**
 * The uImage header's enumerations (os, arch, type, comp) with mkimage's short names (what -A/-O/-T/-C
 * accept) and long names (what `mkimage -l` prints). The tables follow U-Boot 2023.01 (Debian 12's
 * u-boot-tools), checked by listing a header with every code through `mkimage -l`.
 */
export interface CodeName {
  code: number;
  short: string;
  long: string;
}

export type CodeCategory = 'os' | 'arch' | 'type' | 'comp';

const entry = (code: number, short: string, long: string): CodeName => ({ code, short, long });

export const OS_CODES: readonly CodeName[] = [
  entry(0, 'invalid', 'Invalid OS'),
  entry(1, 'openbsd', 'OpenBSD'),
  entry(2, 'netbsd', 'NetBSD'),
  entry(3, 'freebsd', 'FreeBSD'),
  entry(4, '4_4bsd', '4_4BSD'),
  entry(5, 'linux', 'Linux'),
  entry(6, 'svr4', 'SVR4'),
  entry(7, 'esix', 'Esix'),
  entry(8, 'solaris', 'Solaris'),
  entry(9, 'irix', 'Irix'),
  entry(10, 'sco', 'SCO'),
  entry(11, 'dell', 'Dell'),
  entry(12, 'ncr', 'NCR'),
  entry(14, 'vxworks', 'VxWorks'),
  entry(15, 'psos', 'pSOS'),
  entry(16, 'qnx', 'QNX'),
  entry(17, 'u-boot', 'U-Boot'),
  entry(18, 'rtems', 'RTEMS'),
  entry(21, 'integrity', 'INTEGRITY'),
  entry(22, 'ose', 'Enea OSE'),
  entry(23, 'plan9', 'Plan 9'),
  entry(24, 'openrtos', 'OpenRTOS'),
  entry(25, 'arm-trusted-firmware', 'ARM Trusted Firmware'),
  entry(26, 'tee', 'Trusted Execution Environment'),
  entry(27, 'opensbi', 'RISC-V OpenSBI'),
  entry(28, 'efi', 'EFI Firmware'),
];

export const ARCH_CODES: readonly CodeName[] = [
  entry(0, 'invalid', 'Invalid ARCH'),
  entry(1, 'alpha', 'Alpha'),
  entry(2, 'arm', 'ARM'),
  entry(3, 'x86', 'Intel x86'),
  entry(4, 'ia64', 'IA64'),
  entry(5, 'mips', 'MIPS'),
  entry(6, 'mips64', 'MIPS 64 Bit'),
  entry(7, 'powerpc', 'PowerPC'),
  entry(8, 's390', 'IBM S390'),
  entry(9, 'sh', 'SuperH'),
  entry(10, 'sparc', 'SPARC'),
  entry(11, 'sparc64', 'SPARC 64 Bit'),
  entry(12, 'm68k', 'M68K'),
  entry(14, 'microblaze', 'MicroBlaze'),
  entry(15, 'nios2', 'NIOS II'),
  entry(16, 'blackfin', 'Blackfin'),
  entry(17, 'avr32', 'AVR32'),
  entry(19, 'sandbox', 'Sandbox'),
  entry(20, 'nds32', 'NDS32'),
  entry(21, 'or1k', 'OpenRISC 1000'),
  entry(22, 'arm64', 'AArch64'),
  entry(23, 'arc', 'ARC'),
  entry(24, 'x86_64', 'AMD x86_64'),
  entry(25, 'xtensa', 'Xtensa'),
  entry(26, 'riscv', 'RISC-V'),
];

/** Extra short names mkimage accepts for an architecture. */
const ARCH_ALIASES: Readonly<Record<string, number>> = { ppc: 7 };

export const TYPE_CODES: readonly CodeName[] = [
  entry(0, 'invalid', 'Invalid Image'),
  entry(1, 'standalone', 'Standalone Program'),
  entry(2, 'kernel', 'Kernel Image'),
  entry(3, 'ramdisk', 'RAMDisk Image'),
  entry(4, 'multi', 'Multi-File Image'),
  entry(5, 'firmware', 'Firmware'),
  entry(6, 'script', 'Script'),
  entry(7, 'filesystem', 'Filesystem Image'),
  entry(8, 'flat_dt', 'Flat Device Tree'),
  entry(9, 'kwbimage', 'Kirkwood Boot Image'),
  entry(10, 'imximage', 'Freescale i.MX Boot Image'),
  entry(11, 'ublimage', 'Davinci UBL image'),
  entry(12, 'omapimage', 'TI OMAP SPL With GP CH'),
  entry(13, 'aisimage', 'Davinci AIS image'),
  entry(14, 'kernel_noload', 'Kernel Image (no loading done)'),
  entry(15, 'pblimage', 'Freescale PBL Boot Image'),
  entry(16, 'mxsimage', 'Freescale MXS Boot Image'),
  entry(17, 'gpimage', 'TI Keystone SPL Image'),
  entry(18, 'atmelimage', 'ATMEL ROM-Boot Image'),
  entry(19, 'socfpgaimage', 'Altera SoCFPGA CV/AV preloader'),
  entry(20, 'x86_setup', 'x86 setup.bin'),
  entry(21, 'lpc32xximage', 'LPC32XX Boot Image'),
  entry(23, 'rkimage', 'Rockchip Boot Image'),
  entry(24, 'rksd', 'Rockchip SD Boot Image'),
  entry(25, 'rkspi', 'Rockchip SPI Boot Image'),
  entry(26, 'zynqimage', 'Xilinx Zynq Boot Image'),
  entry(27, 'zynqmpimage', 'Xilinx ZynqMP Boot Image'),
  entry(28, 'zynqmpbif', 'Xilinx ZynqMP Boot Image (bif)'),
  entry(29, 'fpga', 'FPGA Image'),
  entry(30, 'vybridimage', 'Vybrid Boot Image'),
  entry(31, 'tee', 'Trusted Execution Environment Image'),
  entry(32, 'firmware_ivt', 'Firmware with HABv4 IVT'),
  entry(33, 'pmmc', 'TI Power Management Micro-Controller Firmware'),
  entry(34, 'stm32image', 'STMicroelectronics STM32 Image'),
  entry(35, 'socfpgaimage_v1', 'Altera SoCFPGA A10 preloader'),
  entry(36, 'mtk_image', 'MediaTek BootROM loadable Image'),
  entry(37, 'imx8mimage', 'NXP i.MX8M Boot Image'),
  entry(38, 'imx8image', 'NXP i.MX8 Boot Image'),
  entry(39, 'copro', 'Coprocessor Image'),
  entry(40, 'sunxi_egon', 'Allwinner eGON Boot Image'),
  entry(41, 'sunxi_toc0', 'Allwinner TOC0 Boot Image'),
];

export const COMP_CODES: readonly CodeName[] = [
  entry(0, 'none', 'uncompressed'),
  entry(1, 'gzip', 'gzip compressed'),
  entry(2, 'bzip2', 'bzip2 compressed'),
  entry(3, 'lzma', 'lzma compressed'),
  entry(4, 'lzo', 'lzo compressed'),
  entry(5, 'lz4', 'lz4 compressed'),
  entry(6, 'zstd', 'zstd compressed'),
];

/** Well-known codes, for readable code. */
export const UIMAGE_OS = { linux: 5, uBoot: 17, tee: 26 } as const;
export const UIMAGE_ARCH = { arm: 2, x86: 3, powerpc: 7, arm64: 22, x86_64: 24, riscv: 26 } as const;
export const UIMAGE_TYPE = {
  standalone: 1,
  kernel: 2,
  ramdisk: 3,
  multi: 4,
  firmware: 5,
  script: 6,
  flatDt: 8,
} as const;
export const UIMAGE_COMP = { none: 0, gzip: 1, bzip2: 2, lzma: 3, lzo: 4, lz4: 5, zstd: 6 } as const;

const TABLES: Record<CodeCategory, readonly CodeName[]> = {
  os: OS_CODES,
  arch: ARCH_CODES,
  type: TYPE_CODES,
  comp: COMP_CODES,
};

/** What `mkimage -l` prints for a code it has no name for. */
const UNKNOWN: Record<CodeCategory, string> = {
  os: 'Unknown OS',
  arch: 'Unknown Architecture',
  type: 'Unknown Image',
  comp: 'Unknown Compression',
};

export function codeTable(category: CodeCategory): readonly CodeName[] {
  return TABLES[category];
}

export function findCode(category: CodeCategory, code: number): CodeName | undefined {
  return TABLES[category].find((item) => item.code === code);
}

/** The long name mkimage prints for a code ("Linux", "ARM", "RAMDisk Image", "gzip compressed"). */
export function longName(category: CodeCategory, code: number): string {
  return findCode(category, code)?.long ?? UNKNOWN[category];
}

/** The short name mkimage accepts for a code, or undefined for a code it has no name for. */
export function shortName(category: CodeCategory, code: number): string | undefined {
  return findCode(category, code)?.short;
}

/** Looks up a short name case-insensitively, as mkimage does; undefined when there is none. */
export function codeFromName(category: CodeCategory, name: string): number | undefined {
  const wanted = name.toLowerCase();
  if (category === 'arch' && wanted in ARCH_ALIASES) return ARCH_ALIASES[wanted];
  return TABLES[category].find((item) => item.short === wanted)?.code;
}
