/**
 * The vermagic check: a module loads only into the kernel release it was built for (the first word
 * of `vermagic=`), and with the same SMP/preempt/modversions flags. Given a set of modules and a
 * release, list the ones that would be refused.
 */
export interface VermagicModule {
  name: string;
  /** The module's vermagic value, e.g. "6.1.0-56-amd64 SMP preempt mod_unload modversions ". */
  vermagic: string | undefined;
}

export interface VermagicMismatch {
  name: string;
  /** The release the module was built for ('' when it has no vermagic). */
  builtFor: string;
  reason: 'missing' | 'release';
}

/** The release word of a vermagic string. */
export function vermagicRelease(vermagic: string): string {
  return vermagic.trim().split(/\s+/)[0] ?? '';
}

/** Modules whose vermagic does not name `release` (an empty list means every module fits). */
export function checkVermagic(modules: readonly VermagicModule[], release: string): VermagicMismatch[] {
  const mismatches: VermagicMismatch[] = [];
  for (const module of modules) {
    if (module.vermagic === undefined || module.vermagic.trim() === '') {
      mismatches.push({ name: module.name, builtFor: '', reason: 'missing' });
      continue;
    }
    const builtFor = vermagicRelease(module.vermagic);
    if (builtFor !== release) mismatches.push({ name: module.name, builtFor, reason: 'release' });
  }
  return mismatches;
}
