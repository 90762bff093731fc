/**
 * syscallError: each errno the issue names becomes a typed KexecError with the errno, a code and a hint;
 * EPERM is told apart by why (not root, kexec_load_disabled = 1, lockdown, a missing capability).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { KexecState } from '../src/node/state.js';

const state: KexecState = {} as KexecState;
vi.mock('../src/node/state.js', () => ({ readKexecState: () => state }));
const { syscallError } = await import('../src/node/errno.js');

function setState(values: Partial<KexecState>): void {
  for (const key of Object.keys(state)) delete (state as unknown as Record<string, unknown>)[key];
  Object.assign(state, { root: true, loaded: false, loadDisabled: 0, lockdown: undefined }, values);
}

describe('syscallError (errno -> KexecError with a hint)', () => {
  beforeEach(() => setState({}));

  it.each([
    [38, 'ENOSYS', 'KEXEC_NOT_SUPPORTED', /CONFIG_KEXEC/],
    [16, 'EBUSY', 'KEXEC_BUSY', /crash kernel/],
    [22, 'EINVAL', 'KEXEC_INVALID', /misaligned, overlaps/],
    [99, 'EADDRNOTAVAIL', 'KEXEC_ADDRESS', /memory map/],
    [8, 'ENOEXEC', 'KEXEC_BAD_IMAGE', /bzImage on x86_64/],
    [129, 'EKEYREJECTED', 'KEXEC_SIGNATURE', /signed by a trusted key/],
    [126, 'ENOKEY', 'KEXEC_SIGNATURE', /signed by a trusted key/],
    [74, 'EBADMSG', 'KEXEC_SIGNATURE', /signed by a trusted key/],
    [12, 'ENOMEM', 'KEXEC_TOO_LARGE', /too large/],
    [5, 'errno 5', 'KEXEC_SYSCALL_FAILED', /kexec_load\(2\)/],
  ])('errno %i is %s: %s with a hint', (errno, name, code, hint) => {
    const error = syscallError('kexec_load', errno);
    expect(error.code).toBe(code);
    expect(error.errno).toBe(name);
    expect(error.hint).toMatch(hint);
    expect(error.message).toMatch(new RegExp(`^kexec_load failed: ${name}, `));
  });

  it('EPERM as a user: KEXEC_PERMISSION naming root', () => {
    setState({ root: false });
    const error = syscallError('kexec_load', 1);
    expect(error.code).toBe('KEXEC_PERMISSION');
    expect(error.hint).toMatch(/needs root/);
  });

  it('EPERM with kexec_load_disabled = 1: KEXEC_DISABLED, which only a reboot clears', () => {
    setState({ loadDisabled: 1 });
    const error = syscallError('kexec_load', 1);
    expect(error.code).toBe('KEXEC_DISABLED');
    expect(error.message).toMatch(/kexec_load_disabled is 1/);
    expect(error.hint).toMatch(/reboot/);
  });

  it('EPERM under lockdown: KEXEC_PERMISSION naming the mode and kexec_file_load', () => {
    setState({ lockdown: 'integrity' });
    const error = syscallError('kexec_file_load', 1);
    expect(error.code).toBe('KEXEC_PERMISSION');
    expect(error.message).toMatch(/locked down \(integrity\)/);
    expect(error.hint).toMatch(/-s/);
  });

  it('EPERM as root with nothing else in the way: a missing capability', () => {
    setState({ lockdown: 'none' });
    expect(syscallError('kexec_load', 1).hint).toMatch(/CAP_SYS_BOOT is missing/);
  });
});
