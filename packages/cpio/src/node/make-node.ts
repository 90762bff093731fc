/**
 * Device nodes and fifos made with the C library's mknod(2), reached through koffi (the FFI initkit's
 * kexec uses), so extraction never spawns mknod or mkfifo. koffi is an optional dependency loaded on
 * the first node only: without it, or on a C library without a mknod symbol, `makeNode` says why and
 * the extraction reports the entry as skipped.
 */
import { encodeCpioName } from '../name.js';

type Mknod = (path: Uint8Array, mode: number, device: bigint) => number;

let loading: Promise<{ mknod: Mknod; errno: () => number } | string> | undefined;

async function load(): Promise<{ mknod: Mknod; errno: () => number } | string> {
  let koffi: typeof import('koffi');
  try {
    const loaded = (await import('koffi')) as typeof import('koffi') & { default?: typeof import('koffi') };
    koffi = loaded.default ?? loaded;
  } catch (error) {
    return `device nodes and fifos need koffi (the FFI that calls mknod(2)), which did not load: ${(error as Error).message}`;
  }
  try {
    const libc = koffi.load('libc.so.6');
    // glibc has exported mknod since 2.33; dev_t is 64 bits on every architecture glibc supports.
    const call = libc.func('int mknod(const uint8_t *path, uint32_t mode, uint64_t dev)');
    return { mknod: (path, mode, device) => call(path, mode, device) as number, errno: () => koffi.errno() };
  } catch (error) {
    return `mknod(2) is not reachable in this C library: ${(error as Error).message}`;
  }
}

/** glibc's makedev(): 12 bits of major and 20 of minor in the classic places, the rest above. */
export function makeDevice(major: number, minor: number): bigint {
  const high = BigInt(major & 0xfffff000) << 32n;
  const majorLow = BigInt(major & 0xfff) << 8n;
  const minorHigh = BigInt(minor & 0xffffff00) << 12n;
  return high | majorLow | minorHigh | BigInt(minor & 0xff);
}

/**
 * Makes a fifo or a device node at `path` (a string, or the raw bytes of a name that is not UTF-8).
 * `mode` holds the file type bits and permissions (the umask still applies: callers chmod after).
 * Returns undefined when made, or the reason it could not be (no koffi, an errno).
 */
export async function makeNode(
  path: string | Uint8Array,
  mode: number,
  major: number,
  minor: number,
): Promise<string | undefined> {
  loading ??= load();
  const bindings = await loading;
  if (typeof bindings === 'string') return bindings;
  const bytes = typeof path === 'string' ? encodeCpioName(path) : path;
  const terminated = new Uint8Array(bytes.length + 1);
  terminated.set(bytes);
  if (bindings.mknod(terminated, mode, makeDevice(major, minor)) === 0) return undefined;
  const errno = bindings.errno();
  return `mknod(2) failed with errno ${errno}${ERRNO_NAMES[errno] ? ` (${ERRNO_NAMES[errno]})` : ''}`;
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  13: 'EACCES',
  17: 'EEXIST',
  22: 'EINVAL',
  28: 'ENOSPC',
  30: 'EROFS',
};
