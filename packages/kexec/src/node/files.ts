/**
 * The files kexec reads (/proc, /sys, the kernel, the initrd, the device tree) opened and read through
 * the C library (@initkit/core/node's libcFiles, koffi found from this package) where it can: on
 * Node 20.11 the first require('node:fs') costs more than all of the command's reads. node:fs does the
 * rest and every failure, so errors read as they always did.
 */
import { libcFiles, nodeFs } from '@initkit/core/node';

/** This package's file (or the bundle it is in), which depends on koffi: where the walk for it starts. */
export const KOFFI_FROM = typeof __filename === 'string' ? __filename : import.meta.url;

export function kexecFiles() {
  return libcFiles(KOFFI_FROM);
}

/** A descriptor open for reading; throws node:fs's error. */
export function openForReading(path: string): number {
  return kexecFiles()?.open(path) ?? nodeFs().openSync(path, 'r');
}

export function closeDescriptor(fd: number): void {
  const libc = kexecFiles();
  if (libc) libc.close(fd);
  else nodeFs().closeSync(fd);
}

/** The size of an open file (fstat). */
export function descriptorSize(fd: number): number {
  return kexecFiles()?.status(fd)?.size ?? nodeFs().fstatSync(fd).size;
}

/** read(2) from the descriptor's position into bytes[offset, offset + length). */
export function readDescriptor(fd: number, bytes: Uint8Array, offset: number, length: number): number {
  return kexecFiles()?.read(fd, bytes, offset, length) ?? nodeFs().readSync(fd, bytes, offset, length, null);
}

/** Whether a path exists, following a final symbolic link (fs.existsSync). */
export function pathExists(path: string): boolean {
  const libc = kexecFiles();
  return libc ? libc.status(path) !== undefined : nodeFs().existsSync(path);
}

/** The whole file; throws node:fs's error. */
export function readWholeFile(path: string): Buffer {
  return kexecFiles()?.readFile(path) ?? nodeFs().readFileSync(path);
}

/** The whole file, or undefined when it cannot be read. */
export function readOptionalFile(path: string): Buffer | undefined {
  const libc = kexecFiles();
  if (libc) return libc.readFile(path);
  try {
    return nodeFs().readFileSync(path);
  } catch {
    return undefined;
  }
}
