/**
 * Every error code @initkit/kexec throws, with its one-line meaning. Planning errors come from bad input
 * (a file that is not a kernel, no room in memory); system-call errors carry the errno and a hint.
 */
import { type ErrorCodeOf, InitkitError, type InitkitErrorOptions } from '@initkit/core';

export const KEXEC_ERROR_CODES = {
  KEXEC_NOT_A_KERNEL: 'the file is not a kernel image this architecture can load',
  KEXEC_TRUNCATED: 'the kernel image is shorter than its own header says',
  KEXEC_NO_MEMORY: 'the memory map has no System RAM range',
  KEXEC_NO_HOLE: 'no free RAM range is large enough for a segment',
  KEXEC_TOO_LARGE: 'an input is larger than the limit or than kexec allows',
  KEXEC_NO_DTB: 'ARM needs a device tree: --dtb FILE, or /sys/firmware/fdt',
  KEXEC_BAD_DTB: 'the device tree is not a valid flattened device tree',
  KEXEC_BAD_OPTION: 'an option has a value the planner cannot use',
  KEXEC_UNSUPPORTED: 'this architecture or system call cannot load that image',
  KEXEC_PERMISSION: 'EPERM: not root (CAP_SYS_BOOT), kexec_load_disabled is 1, or the kernel is locked down',
  KEXEC_DISABLED: '/proc/sys/kernel/kexec_load_disabled is 1: no image can be loaded until reboot',
  KEXEC_NOT_SUPPORTED: 'ENOSYS: the running kernel has no such kexec system call',
  KEXEC_BUSY: 'EBUSY: another kexec load or the crash kernel is in use',
  KEXEC_INVALID: 'EINVAL: the kernel refused the segments, flags or command line',
  KEXEC_ADDRESS: 'EADDRNOTAVAIL: a segment lies outside the memory the kernel can use',
  KEXEC_BAD_IMAGE: 'ENOEXEC: the kernel does not recognise the image format',
  KEXEC_SIGNATURE: 'EKEYREJECTED/ENOKEY/EBADMSG: the image signature was refused',
  KEXEC_SYSCALL_FAILED: 'a kexec system call failed with another errno',
  KEXEC_NOT_LOADED: 'nothing is loaded, so there is nothing to start',
  KEXEC_NO_FFI: 'koffi (the FFI that makes the system calls) could not be loaded',
} as const;

export type KexecErrorCode = ErrorCodeOf<typeof KEXEC_ERROR_CODES>;

export interface KexecErrorOptions extends InitkitErrorOptions {
  /** The errno name of a failed system call (EPERM, ENOSYS...). */
  errno?: string;
  /** What to do about it, one sentence. */
  hint?: string;
}

/** An InitkitError with a kexec code, and for system calls the errno and a hint. */
export class KexecError extends InitkitError {
  readonly errno: string | undefined;
  readonly hint: string | undefined;

  constructor(code: KexecErrorCode, message: string, options: KexecErrorOptions = {}) {
    super(code, options.hint ? `${message} (${options.hint})` : message, options);
    this.errno = options.errno;
    this.hint = options.hint;
  }
}

export function kexecError(code: KexecErrorCode, message: string, options: KexecErrorOptions = {}): KexecError {
  return new KexecError(code, message, options);
}
