/**
 * A failed kexec system call as a typed KexecError: the errno's name, what it means for kexec and a
 * hint; EPERM is told apart by looking at why (not root, kexec_load_disabled = 1, lockdown).
 */
import { type KexecError, type KexecErrorCode, kexecError } from '../errors.js';
import { readKexecState } from './state.js';

/** Linux errno numbers (the same on arm, arm64 and x86_64). */
const ERRNO: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  7: 'E2BIG',
  8: 'ENOEXEC',
  9: 'EBADF',
  12: 'ENOMEM',
  14: 'EFAULT',
  16: 'EBUSY',
  22: 'EINVAL',
  26: 'ETXTBSY',
  38: 'ENOSYS',
  61: 'ENODATA',
  74: 'EBADMSG',
  99: 'EADDRNOTAVAIL',
  126: 'ENOKEY',
  129: 'EKEYREJECTED',
};

export function errnoName(errno: number): string {
  return ERRNO[errno] ?? `errno ${errno}`;
}

/** The error for `call` failing with `errno`. */
export function syscallError(call: string, errno: number): KexecError {
  const name = errnoName(errno);
  const fail = (code: KexecErrorCode, what: string, hint: string) =>
    kexecError(code, `${call} failed: ${name}, ${what}`, { errno: name, hint });
  switch (name) {
    case 'EPERM': {
      const state = readKexecState();
      if (!state.root) return fail('KEXEC_PERMISSION', 'permission denied', 'kexec needs root (CAP_SYS_BOOT)');
      if (state.loadDisabled === 1) {
        return fail(
          'KEXEC_DISABLED',
          '/proc/sys/kernel/kexec_load_disabled is 1',
          'it cannot be cleared: reboot to load an image',
        );
      }
      if (state.lockdown !== undefined && state.lockdown !== 'none') {
        return fail(
          'KEXEC_PERMISSION',
          `the kernel is locked down (${state.lockdown})`,
          'only a signed image can be loaded, with kexec_file_load (-s)',
        );
      }
      return fail(
        'KEXEC_PERMISSION',
        'permission denied',
        'CAP_SYS_BOOT is missing (a container or a user namespace?)',
      );
    }
    case 'ENOSYS':
      return fail(
        'KEXEC_NOT_SUPPORTED',
        'the running kernel has no such system call',
        'it was built without CONFIG_KEXEC (or CONFIG_KEXEC_FILE for -s)',
      );
    case 'EBUSY':
      return fail('KEXEC_BUSY', 'kexec is busy', 'another load is in progress, or the crash kernel is in use');
    case 'EINVAL':
      return fail(
        'KEXEC_INVALID',
        'the kernel refused the request',
        'a segment is misaligned, overlaps, or exceeds half of RAM, or the flags do not fit this kernel',
      );
    case 'EADDRNOTAVAIL':
      return fail(
        'KEXEC_ADDRESS',
        'a segment lies outside usable memory',
        'the memory map was read from another machine or is stale',
      );
    case 'ENOEXEC':
      return fail(
        'KEXEC_BAD_IMAGE',
        'the kernel does not recognise the image',
        'kexec_file_load takes a bzImage on x86_64 and a raw Image on arm64',
      );
    case 'EKEYREJECTED':
    case 'ENOKEY':
    case 'EBADMSG':
      return fail(
        'KEXEC_SIGNATURE',
        'the image signature was refused',
        'lockdown or KEXEC_SIG requires an image signed by a trusted key',
      );
    case 'ENOMEM':
      return fail(
        'KEXEC_TOO_LARGE',
        'the kernel could not allocate the segments',
        'the images are too large for free memory',
      );
    default:
      return fail('KEXEC_SYSCALL_FAILED', 'unexpected error', 'see the kexec_load(2) manual page');
  }
}
