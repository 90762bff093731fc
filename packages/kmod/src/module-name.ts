/**
 * Module names as kmod spells them: a file's module name is its base name up to the first '.', with
 * '-' turned into '_'; names compare with '-' and '_' equal. The module file suffixes kmod accepts.
 */

/** File suffixes of kernel modules, uncompressed first. */
export const MODULE_SUFFIXES = ['.ko', '.ko.gz', '.ko.xz', '.ko.zst'] as const;

/** Whether a file name ends in one of the module suffixes. */
export function isModuleFileName(fileName: string): boolean {
  return MODULE_SUFFIXES.some((suffix) => fileName.endsWith(suffix));
}

/** A module name with '-' replaced by '_' (kmod's modname_normalize stops at the first '.'). */
export function normalizeModuleName(name: string): string {
  const dot = name.indexOf('.');
  const stem = dot < 0 ? name : name.slice(0, dot);
  return stem.includes('-') ? stem.replaceAll('-', '_') : stem;
}

/** The module name of a path: "kernel/drivers/block/nbd.ko.xz" -> "nbd", "snd-hda-intel.ko" -> "snd_hda_intel". */
export function moduleNameFromPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return normalizeModuleName(slash < 0 ? path : path.slice(slash + 1));
}

/** The path with its compression suffix turned into plain ".ko" (modules.order lists these). */
export function uncompressedModulePath(path: string): string {
  const at = path.lastIndexOf('.ko');
  return at < 0 ? path : path.slice(0, at + 3);
}

/**
 * An alias pattern as depmod indexes it: '-' becomes '_' except inside [...] character classes.
 * Returns undefined for an unmatched bracket (depmod skips such aliases with a warning).
 */
export function normalizeAlias(alias: string): string | undefined {
  // Most aliases have none of '-', '[', ']': they index as they are.
  if (!alias.includes('-') && !alias.includes('[') && !alias.includes(']')) return alias;
  let result = '';
  for (let i = 0; i < alias.length; i++) {
    const c = alias[i]!;
    if (c === '-') result += '_';
    else if (c === ']') return undefined;
    else if (c === '[') {
      const close = alias.indexOf(']', i);
      if (close < 0) return undefined;
      result += alias.slice(i, close + 1);
      i = close;
    } else result += c;
  }
  return result;
}
