/**
 * Files opened, read and looked at through the C library (koffi), for the start-up path of short
 * commands under Node 20.11 and older: there the first require('node:fs') of user code builds fs's ES
 * module facade, which reads every export, fs.promises and the stream classes among them, and so loads
 * 31 more modules (9-15% of `initkit kexec -l` under emulation, bench/RESULTS.md, kexec). Only the way
 * that works is covered: any failure answers undefined and the caller asks node:fs (nodeFs()), which
 * throws the error users know, or succeeds after a race. Where koffi or glibc is missing, node:fs too.
 */
import { createRequire } from 'node:module';
import { loadKoffi, moduleFile, processWide } from './koffi-addon.js';

/** What statx(2) says about a file, as node:fs's Stats names it. */
export interface FileStatus {
  size: number;
  mode: number;
  uid: number;
  /** As fs.Stats.mtimeMs computes it (seconds * 1e3 + nanoseconds / 1e6). */
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface LibcFiles {
  /** The koffi instance these calls were made with: a caller that needs koffi too can reuse it. */
  koffi: typeof import('koffi');
  /** open(2) read-only (O_CLOEXEC); undefined on failure. */
  open(path: string): number | undefined;
  close(fd: number): void;
  /** statx(2) of a path (following a final symbolic link unless told not to) or of an open descriptor. */
  status(file: string | number, options?: { follow?: boolean }): FileStatus | undefined;
  /** read(2) into bytes[offset, offset + length) from the descriptor's position; undefined on failure. */
  read(fd: number, bytes: Uint8Array, offset: number, length: number): number | undefined;
  /** The whole file (to its end: procfs and sysfs sizes say 0 or a page), as readFileSync gives it. */
  readFile(path: string): Buffer | undefined;
}

/** openat and statx by architecture (koffi's `syscall`: glibc has no statx before 2.28). */
const SYSCALLS: Record<string, { openat: number; statx: number; largeFile: number }> = {
  x64: { openat: 257, statx: 332, largeFile: 0 },
  arm64: { openat: 56, statx: 291, largeFile: 0 },
  // 32-bit ARM: O_LARGEFILE, as glibc's open64 adds it (64-bit kernels force it).
  arm: { openat: 322, statx: 397, largeFile: 0o400000 },
};
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const O_CLOEXEC = 0o2000000;
const STATX_BASIC_STATS = 0x7ff;
/** The largest file one Buffer holds (readFileSync's ERR_FS_FILE_TOO_LARGE above it). */
const MAX_FILE = 2 ** 31 - 1;

/** One instance per process and place koffi was looked for, shared by every bundle's copy of this module. */
const MADE = Symbol.for('@initkit/core/node: libc files');

/**
 * The C library's file calls, koffi found from `from` (a file or file: URL, as loadKoffi takes it;
 * by default this module's file); undefined off Linux, without koffi or without glibc.
 */
export function libcFiles(from: string = moduleFile()): LibcFiles | undefined {
  const made = processWide(MADE, () => new Map<string, LibcFiles | null>());
  for (const files of made.values()) if (files) return files;
  if (made.has(from)) return undefined;
  let files: LibcFiles | null = null;
  try {
    files = makeLibcFiles(from);
  } catch {
    // No koffi in reach, no prebuilt addon for this Node, no libc.so.6 (musl): node:fs.
  }
  made.set(from, files);
  return files ?? undefined;
}

function makeLibcFiles(from: string): LibcFiles | null {
  const numbers = SYSCALLS[process.arch];
  if (process.platform !== 'linux' || !numbers) return null;
  const koffi = loadKoffi<typeof import('koffi')>(from);
  const libc = koffi.load('libc.so.6');
  // syscall() is variadic in C; integer and pointer arguments pass as with a fixed prototype on these ABIs.
  const openat = libc.func('syscall', 'long', ['long', 'int', 'str', 'int', 'uint']);
  const statx = libc.func('syscall', 'long', ['long', 'int', 'str', 'int', 'uint', 'void *']);
  const readCall = libc.func('read', 'long', ['int', 'void *', 'ulong']);
  const closeCall = libc.func('close', 'int', ['int']);
  const status = (file: string | number, options: { follow?: boolean } = {}): FileStatus | undefined => {
    const buffer = Buffer.alloc(256);
    const result =
      typeof file === 'number'
        ? statx(numbers.statx, file, '', AT_EMPTY_PATH, STATX_BASIC_STATS, buffer)
        : statx(
            numbers.statx,
            AT_FDCWD,
            file,
            options.follow === false ? AT_SYMLINK_NOFOLLOW : 0,
            STATX_BASIC_STATS,
            buffer,
          );
    if (Number(result) !== 0) return undefined;
    // struct statx: stx_uid at 20, stx_mode at 28, stx_size at 40, stx_mtime (tv_sec, tv_nsec) at 112.
    const mode = buffer.readUInt16LE(28);
    const type = mode & 0o170000;
    return {
      size: Number(buffer.readBigUInt64LE(40)),
      mode,
      uid: buffer.readUInt32LE(20),
      mtimeMs: Number(buffer.readBigInt64LE(112)) * 1e3 + buffer.readUInt32LE(120) / 1e6,
      isFile: type === 0o100000,
      isDirectory: type === 0o040000,
    };
  };
  const open = (path: string): number | undefined => {
    const fd = Number(openat(numbers.openat, AT_FDCWD, path, O_CLOEXEC | numbers.largeFile, 0));
    return fd >= 0 ? fd : undefined;
  };
  const close = (fd: number): void => {
    closeCall(fd);
  };
  const read = (fd: number, bytes: Uint8Array, offset: number, length: number): number | undefined => {
    if (length === 0) return 0;
    const count = Number(readCall(fd, bytes.subarray(offset, offset + length), length));
    return count >= 0 ? count : undefined;
  };
  const readFile = (path: string): Buffer | undefined => {
    const fd = open(path);
    if (fd === undefined) return undefined;
    try {
      const info = status(fd);
      if (!info || info.isDirectory || info.size > MAX_FILE) return undefined;
      // A regular file: its size, as readFileSync reads it; otherwise pages until the end.
      let bytes = Buffer.allocUnsafe(info.isFile && info.size > 0 ? info.size : 8192);
      let length = 0;
      for (;;) {
        if (length === bytes.length) {
          if (info.isFile && info.size > 0) break;
          if (bytes.length * 2 > MAX_FILE) return undefined;
          const larger = Buffer.allocUnsafe(bytes.length * 2);
          bytes.copy(larger, 0, 0, length);
          bytes = larger;
        }
        const count = read(fd, bytes, length, bytes.length - length);
        if (count === undefined) return undefined;
        if (count === 0) break;
        length += count;
      }
      return bytes.subarray(0, length);
    } finally {
      close(fd);
    }
  };
  return { koffi, open, close, status, read, readFile };
}

/**
 * node:fs, loaded when first needed (a failure to report, a write, a platform without libcFiles) rather
 * than when the module is: see the top of this file.
 */
export function nodeFs(): typeof import('node:fs') {
  return createRequire(moduleFile())('node:fs') as typeof import('node:fs');
}

/** The whole file: through the C library when it can, else (and for every error) through node:fs. */
export function readFileFast(path: string, from?: string): Buffer {
  return libcFiles(from)?.readFile(path) ?? nodeFs().readFileSync(path);
}
