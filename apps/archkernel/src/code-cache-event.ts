/**
 * The process event the launcher (launcher.ts) listens to for writing its V8 code cache early: `run`
 * emits it once the work is done, before it asks systemd to kexec (systemd's stop may end the process
 * before its exit event).
 */
export const CODE_CACHE_EVENT = 'archkernel-load:code-compiled';

export function codeCompiled(): void {
  (process as NodeJS.EventEmitter).emit(CODE_CACHE_EVENT);
}
