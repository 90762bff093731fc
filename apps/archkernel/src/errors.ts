/**
 * The app's error codes, each with its meaning. Every failure the app reports is an InitkitError with
 * one of these codes (or a library's own code, passed through with its message).
 */
import { InitkitError } from '@initkit/core';

export const APP_ERRORS = {
  ARCHKERNEL_BAD_CONFIG: 'the configuration file is not valid TOML, or a key or value is wrong',
  ARCHKERNEL_NOT_ROOT: 'loading a kernel needs root (CAP_SYS_BOOT)',
  ARCHKERNEL_KEXEC_DISABLED: '/proc/sys/kernel/kexec_load_disabled is 1: this boot can never load a kernel',
  ARCHKERNEL_NO_EXITRD: 'the shutdown exitrd (/run/initramfs/shutdown) or its kexec binary is missing',
  ARCHKERNEL_NO_KERNEL: 'the distribution kernel image is missing or holds no release',
  ARCHKERNEL_NO_MODULES: 'a required module is neither in the module tree nor built in',
  ARCHKERNEL_NO_INITRD_IN_SCRIPT: 'the boot script loads no initrd',
  ARCHKERNEL_FETCH_FAILED: 'a TFTP transfer from the boot server failed',
  ARCHKERNEL_VERIFY_FAILED: 'the patched initrd read back differs from the plan',
  ARCHKERNEL_STATE: 'the boot-loop state file cannot be read or written',
  ARCHKERNEL_DBUS: 'systemd did not accept the kexec job over D-Bus',
} as const;

export type AppErrorCode = keyof typeof APP_ERRORS;

export function appError(code: AppErrorCode, message: string, cause?: unknown): InitkitError {
  return new InitkitError(code, message, cause === undefined ? {} : { cause });
}
