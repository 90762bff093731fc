/**
 * The raw system calls, through koffi and the C library's syscall(): kexec_load, kexec_file_load,
 * memfd_create, sync and reboot; and the C library's mmap for map-file.ts. koffi is loaded on first use
 * only (@initkit/core/node's loadKoffi), so planning and --dry-run work where it is missing. Each
 * function returns 0 or the errno; it never throws for a failed call.
 */
import { loadKoffi } from '@initkit/core/node';
import { kexecError } from '../errors.js';
import type { KexecArch } from '../plan.js';
import { KOFFI_FROM, kexecFiles } from './files.js';
import { hostArch } from './state.js';

type Koffi = typeof import('koffi');

const SYSCALL_NUMBERS: Record<KexecArch, { kexecLoad: number; kexecFileLoad?: number; memfdCreate: number }> = {
  arm: { kexecLoad: 347, memfdCreate: 385 },
  x86_64: { kexecLoad: 246, kexecFileLoad: 320, memfdCreate: 319 },
  arm64: { kexecLoad: 104, kexecFileLoad: 294, memfdCreate: 279 },
};

/** reboot(2) magic numbers and LINUX_REBOOT_CMD_KEXEC ("EXEC"). */
const LINUX_REBOOT_MAGIC1 = 0xfee1dead;
const LINUX_REBOOT_MAGIC2 = 672274793;
export const LINUX_REBOOT_CMD_KEXEC = 0x45584543;

/** One kexec_segment as the kernel reads it: buf and bufsz in this process, mem and memsz physical. */
export interface RawSegment {
  buf: Uint8Array;
  bufsz: number;
  mem: number;
  memsz: number;
}

interface Bindings {
  arch: KexecArch;
  kexecLoad(entry: number, count: number, segments: RawSegment[] | null, flags: number): number;
  kexecFileLoad(kernelFd: number, initrdFd: number, cmdline: Uint8Array | null, flags: number): number;
  memfdCreate(name: string): number;
  sync(): void;
  rebootKexec(): number;
  /** mmap(PROT_READ, MAP_PRIVATE) of a whole file as an ArrayBuffer (never unmapped); undefined on failure. */
  mapReadOnly(fd: number, length: number): ArrayBuffer | undefined;
}

let bindings: Bindings | undefined;

/** The bindings for this machine, loading koffi and libc on first use. */
export async function kexecBindings(): Promise<Bindings> {
  if (bindings) return bindings;
  const arch = hostArch();
  if (!arch) throw kexecError('KEXEC_UNSUPPORTED', `kexec system calls are not wired for ${process.arch}`);
  let koffi: Koffi;
  try {
    // The instance the file reads loaded, if any (one addon initialisation per process).
    koffi = kexecFiles()?.koffi ?? loadKoffi<Koffi>(KOFFI_FROM);
  } catch (error) {
    throw kexecError('KEXEC_NO_FFI', `cannot load koffi: ${(error as Error).message}`, {
      hint: 'install koffi beside initkit (its prebuilt for this architecture is needed)',
    });
  }
  const numbers = SYSCALL_NUMBERS[arch];
  const libc = koffi.load('libc.so.6');
  const Segment = koffi.struct('initkit_kexec_segment', {
    buf: 'void *',
    bufsz: 'size_t',
    mem: 'uintptr_t',
    memsz: 'size_t',
  });
  // syscall() is variadic in C; its integer and pointer arguments pass the same way as a fixed prototype's
  // on arm (EABI), arm64 and x86_64, so each call gets the prototype it needs.
  const loadCall = libc.func('syscall', 'long', ['long', 'uintptr_t', 'ulong', koffi.pointer(Segment), 'ulong']);
  const fileLoadCall = libc.func('syscall', 'long', ['long', 'int', 'int', 'ulong', 'void *', 'ulong']);
  const memfdCall = libc.func('syscall', 'long', ['long', 'str', 'uint']);
  const syncCall = libc.func('void sync(void)');
  const rebootCall = libc.func('syscall', 'long', ['long', 'uint', 'uint', 'uint', 'void *']);
  const mmapCall = libc.func('mmap', 'void *', ['void *', 'size_t', 'int', 'int', 'int', 'long']);
  const PROT_READ = 1;
  const MAP_PRIVATE = 2;
  const MAP_FAILED = (1n << BigInt(8 * koffi.sizeof('void *'))) - 1n;
  const rebootNumber = arch === 'arm' ? 88 : arch === 'x86_64' ? 169 : 142;
  const result = (value: number | bigint) => (Number(value) < 0 ? koffi.errno() : 0);
  bindings = {
    arch,
    kexecLoad: (entry, count, segments, flags) =>
      result(loadCall(numbers.kexecLoad, entry, count, segments, flags) as number),
    kexecFileLoad: (kernelFd, initrdFd, cmdline, flags) => {
      if (numbers.kexecFileLoad === undefined) return 38; // ENOSYS: 32-bit ARM has none
      return result(
        fileLoadCall(numbers.kexecFileLoad, kernelFd, initrdFd, cmdline?.length ?? 0, cmdline, flags) as number,
      );
    },
    memfdCreate: (name) => {
      const fd = Number(memfdCall(numbers.memfdCreate, name, 0));
      return fd < 0 ? -koffi.errno() : fd;
    },
    sync: () => syncCall(),
    rebootKexec: () =>
      result(
        rebootCall(rebootNumber, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, null) as number,
      ),
    mapReadOnly: (fd, length) => {
      const pointer = mmapCall(null, length, PROT_READ, MAP_PRIVATE, fd, 0);
      const address = pointer === null ? 0n : BigInt(koffi.address(pointer));
      return address === 0n || address === MAP_FAILED || address === -1n ? undefined : koffi.view(pointer, length);
    },
  };
  return bindings;
}
