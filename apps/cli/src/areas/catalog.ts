/**
 * The CLI's areas and how to load each. Only the area being run is imported, so `initkit cpio list`
 * does not pay for loading the TFTP, kmod or compression code (start-up time is most of a short
 * command's time). Each area's name and description live here only.
 */
import type { Command } from 'commander';

export interface Area {
  name: string;
  description: string;
  /** Loads the area's code and returns what adds its sub-commands to the area's command. */
  load(): Promise<(command: Command) => void>;
}

export const AREAS: readonly Area[] = [
  {
    name: 'bootscript',
    description: 'U-Boot boot scripts: decompile, compile (as mkimage -T script), plan what they load and boot',
    load: async () => (await import('./bootscript.js')).registerBootscript,
  },
  {
    name: 'compress',
    description:
      'detect, decode and encode the compressions the kernel accepts (gzip, xz, lzma, zstd, lz4, lzo, bzip2)',
    load: async () => (await import('./compress.js')).registerCompress,
  },
  {
    name: 'cpio',
    description: 'cpio newc/crc archives (initramfs): list, extract, create',
    load: async () => (await import('./cpio.js')).registerCpio,
  },
  {
    name: 'fdt',
    description: 'device tree blobs (.dtb): dump as dtc does, get and set as fdtget and fdtput do',
    load: async () => (await import('./fdt.js')).registerFdt,
  },
  {
    name: 'initramfs',
    description: 'initrds: list, cat, extract, diff, analyze, and edit by appending a member or rewriting',
    load: async () => (await import('./initramfs.js')).registerInitramfs,
  },
  {
    name: 'kernel',
    description: 'kernel images: the release inside a bzImage, zImage, arm64 Image or uImage',
    load: async () => (await import('./kernel.js')).registerKernel,
  },
  {
    name: 'kexec',
    description:
      'load and start a kernel (kexec-tools flags: -l, --initrd, --append, -u, -e, -S) or --dry-run its plan',
    load: async () => (await import('./kexec.js')).registerKexec,
  },
  {
    name: 'kmod',
    description: 'kernel modules: dependency closure, modinfo, depmod (kmod-compatible)',
    load: async () => (await import('./kmod.js')).registerKmod,
  },
  {
    name: 'tftp',
    description: 'TFTP client (get, put) and server (serve)',
    load: async () => (await import('./tftp.js')).registerTftp,
  },
  {
    name: 'uimage',
    description: 'U-Boot legacy images (uImage): list, create, extract, as mkimage and dumpimage do',
    load: async () => (await import('./uimage.js')).registerUimage,
  },
];

/** The area a command line asks for: its first word, or the word after `help`. */
export function requestedArea(args: readonly string[]): Area | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return AREAS.find((area) => area.name === name);
}
