/**
 * The command line the distribution kernel gets: the running one, without the words a previous pass
 * added, plus the configured words and `archkernel` last (the units' ConditionKernelCommandLine=
 * reads it: the service does not run again in the kexec'd kernel, the confirm unit runs only there).
 */

export const MARKER = 'archkernel';

export function cmdlineWords(cmdline: string): string[] {
  return cmdline.trim().split(/\s+/).filter(Boolean);
}

/** True when the running kernel was started by archkernel-load. */
export function inKexecKernel(cmdline: string): boolean {
  return cmdlineWords(cmdline).includes(MARKER);
}

export function kexecCmdline(running: string, append: readonly string[]): string {
  const added = new Set([...append, MARKER]);
  const words = cmdlineWords(running).filter((word) => !added.has(word));
  return [...words, ...append.filter((word) => word !== MARKER), MARKER].join(' ');
}
