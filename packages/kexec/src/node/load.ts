/**
 * The effect layer: perform a plan (kexec_load with its segments, or kexec_file_load with the kernel and
 * initrd as file descriptors), unload, and jump. On any failure nothing stays loaded: the image is
 * unloaded before the error is thrown.
 */
import { nodeFs } from '@initkit/core/node';
import { kexecError } from '../errors.js';
import { KEXEC_FILE_UNLOAD, type KexecPlan } from '../plan.js';
import { syscallError } from './errno.js';
import { closeDescriptor, openForReading } from './files.js';
import { readKexecState } from './state.js';
import { kexecBindings, type RawSegment } from './syscalls.js';

export interface LoadFileOptions {
  /** Paths of the files the plan was made from: kexec_file_load reads them through file descriptors. */
  kernelPath?: string;
  initrdPath?: string;
}

/** Loads the plan into the running kernel; throws a KexecError (with nothing loaded) on failure. */
export async function loadPlan(plan: KexecPlan, options: LoadFileOptions = {}): Promise<void> {
  const sys = await kexecBindings();
  if (plan.arch !== sys.arch) {
    throw kexecError('KEXEC_UNSUPPORTED', `the plan is for ${plan.arch}, this machine is ${sys.arch}`);
  }
  if (plan.syscall === 'kexec_load') {
    const segments: RawSegment[] = plan.segments.map((segment) => {
      const buffer = plan.buffers[segment.source];
      if (!buffer) throw kexecError('KEXEC_BAD_OPTION', `the plan has no ${segment.source} buffer for a segment`);
      return {
        buf: buffer.subarray(segment.offset, segment.offset + segment.bufsz),
        bufsz: segment.bufsz,
        mem: segment.mem,
        memsz: segment.memsz,
      };
    });
    const errno = sys.kexecLoad(plan.entry ?? 0, segments.length, segments, plan.flags);
    if (errno !== 0) await failed('kexec_load', errno);
    return;
  }
  await loadFile(plan, options);
}

/** kexec_file_load: the kernel from a memfd holding the plan's kernel bytes (an Image.gz is already
 * decompressed there), the initrd from its file or a memfd, the command line with its NUL counted. */
export async function loadFile(plan: KexecPlan, options: LoadFileOptions = {}): Promise<void> {
  const sys = await kexecBindings();
  const descriptors: number[] = [];
  try {
    const kernelFd =
      plan.kernelKind.startsWith('gzip') || !options.kernelPath
        ? memfdWith(sys.memfdCreate('kernel'), plan.buffers.kernel)
        : openForReading(options.kernelPath);
    descriptors.push(kernelFd);
    let initrdFd = -1;
    if (plan.buffers.initrd) {
      initrdFd = options.initrdPath
        ? openForReading(options.initrdPath)
        : memfdWith(sys.memfdCreate('initrd'), plan.buffers.initrd);
      descriptors.push(initrdFd);
    }
    const cmdline = new TextEncoder().encode(`${plan.cmdline}\0`);
    const errno = sys.kexecFileLoad(kernelFd, initrdFd, cmdline, plan.flags);
    if (errno !== 0) await failed('kexec_file_load', errno);
  } finally {
    for (const fd of descriptors) closeDescriptor(fd);
  }
}

function memfdWith(fd: number, bytes: Uint8Array): number {
  if (fd < 0) throw syscallError('memfd_create', -fd);
  const { writeSync } = nodeFs();
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, written);
  return fd;
}

/** Unloads whatever image is loaded (kexec_load with no segments; kexec_file_load's UNLOAD where only it exists). */
export async function unloadKexec(): Promise<void> {
  const sys = await kexecBindings();
  let errno = sys.kexecLoad(0, 0, null, 0);
  if (errno === 38) errno = sys.kexecFileLoad(-1, -1, null, KEXEC_FILE_UNLOAD);
  if (errno !== 0) throw syscallError('kexec unload', errno);
}

/** Syncs the file systems and jumps into the loaded kernel; returns only on failure (it throws). */
export async function execKexec(): Promise<never> {
  if (!readKexecState().loaded)
    throw kexecError('KEXEC_NOT_LOADED', 'no kexec image is loaded (/sys/kernel/kexec_loaded is 0)', {
      hint: 'load one first with -l',
    });
  const sys = await kexecBindings();
  sys.sync();
  const errno = sys.rebootKexec();
  throw syscallError('reboot(LINUX_REBOOT_CMD_KEXEC)', errno);
}

/** Leaves nothing loaded, then throws the error for the failed call. */
async function failed(call: string, errno: number): Promise<never> {
  const error = syscallError(call, errno);
  if (readKexecState().loaded) await unloadKexec().catch(() => undefined);
  throw error;
}
