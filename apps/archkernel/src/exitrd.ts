/**
 * The shutdown exitrd: systemd-shutdown switches into /run/initramfs and runs `/shutdown kexec`, so
 * that script must end in the kexec jump (it is what detaches the NBD root; jumping from the running
 * system would cut the root disk from under it), and its kexec binary must be there. The check and the
 * patch are pure functions of the script's text; the patch inserts the jump for the kexec verb before
 * the script's last line, as the original tool did (it replaced that line), so other verbs end as before.
 */

export interface ExitrdFacts {
  /** The text of /run/initramfs/shutdown, or undefined when it does not exist. */
  shutdown: string | undefined;
  executable: boolean;
  /** The exitrd's kexec binary (a system path under /run/initramfs), or undefined when none was found. */
  kexecBinary: string | undefined;
}

export interface ExitrdCheck {
  present: boolean;
  /** True when the script runs `kexec -e` (for the kexec verb, or unconditionally). */
  jumps: boolean;
  kexecBinary: string | undefined;
  /** The patched script when it does not jump yet. */
  patched: string | undefined;
  /** What was found, in a sentence. */
  detail: string;
}

/** Where the exitrd may keep kexec, relative to /run/initramfs. */
export const EXITRD_KEXEC_PATHS = ['sbin/kexec', 'usr/sbin/kexec', 'bin/kexec', 'usr/bin/kexec'];

const JUMP = /^[^#]*\bkexec\s+-e\b/m;
export const PATCH_MARKER = '# archkernel-load: jump into the loaded kernel';

export function checkExitrd(facts: ExitrdFacts): ExitrdCheck {
  if (facts.shutdown === undefined || !facts.executable) {
    return {
      present: false,
      jumps: false,
      kexecBinary: facts.kexecBinary,
      patched: undefined,
      detail:
        facts.shutdown === undefined
          ? 'no /run/initramfs/shutdown: systemd would jump from the running system, with the NBD root attached'
          : '/run/initramfs/shutdown is not executable',
    };
  }
  const jumps = JUMP.test(facts.shutdown);
  const patched = jumps ? undefined : patchShutdown(facts.shutdown);
  const binary = facts.kexecBinary
    ? `kexec at /run/initramfs/${facts.kexecBinary}`
    : 'no kexec binary in /run/initramfs';
  return {
    present: true,
    jumps,
    kexecBinary: facts.kexecBinary,
    patched,
    detail: jumps
      ? `/run/initramfs/shutdown runs kexec -e; ${binary}`
      : `/run/initramfs/shutdown never runs kexec -e; ${binary}`,
  };
}

/** Inserts the kexec jump before the last non-empty line (an old exitrd's `/bin/sh`). */
export function patchShutdown(text: string): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  const jump = [PATCH_MARKER, 'if [ "$1" = kexec ]; then kexec -e; fi'];
  const at = lines.length > 1 ? lines.length - 1 : lines.length;
  lines.splice(at, 0, ...jump);
  return `${lines.join('\n')}\n`;
}
