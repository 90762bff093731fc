/**
 * Resolving what to load for a module name or alias, as `modprobe` does: each dependency (deepest
 * first) preceded by its `pre:` soft dependencies and followed by its `post:` ones, then the module.
 * `probeList` reproduces modprobe --show-depends exactly (it may repeat a module reached through
 * several soft dependencies); `resolveModules` keeps each module once, in the order a real modprobe
 * loads them (a repeat is already loaded). Cycles and missing modules are typed errors; a missing one
 * names the nearest known names.
 */
import type { InitkitError } from '@initkit/core';
import { kmodError } from './errors.js';
import type { DatabaseModule, LookupTarget, ModuleDatabase } from './module-database.js';
import { normalizeAlias } from './module-name.js';

/**
 * One line of modprobe --show-depends: load a file (with the module's modprobe.d `options`, if any;
 * with an `install` command from modprobe.d, modprobe runs that command instead), or nothing to do
 * for a built-in module.
 */
export type LoadStep =
  | { kind: 'insmod'; name: string; path: string; options?: string; install?: string }
  | { kind: 'builtin'; name: string };

/** What modprobe.d says about loading: install commands and module options, by module name. */
export interface LoadConfig {
  installs?: ReadonlyMap<string, string>;
  options?: ReadonlyMap<string, string>;
}

/** The modprobe --show-depends lines for one query (several modules when an alias matches several). */
export function probeList(database: ModuleDatabase, query: string, config: LoadConfig = {}): LoadStep[] {
  const targets = database.lookup(query);
  if (targets.length === 0) {
    if (database.isBlacklistedAlias(query)) return [];
    throw notFound(database, query);
  }
  const steps: LoadStep[] = [];
  for (const target of targets) steps.push(...probeTarget(database, target, config));
  return steps;
}

/**
 * The modules to load for every query, each once, in load order: what modprobe would insert for
 * `modprobe -a QUERY...` on a system where none is loaded yet.
 */
export function resolveModules(
  database: ModuleDatabase,
  queries: readonly string[],
  config: LoadConfig = {},
): LoadStep[] {
  const seen = new Set<string>();
  const steps: LoadStep[] = [];
  for (const query of queries) {
    for (const step of probeList(database, query, config)) {
      const key = `${step.kind}:${step.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      steps.push(step);
    }
  }
  return steps;
}

/** The lines modprobe --show-depends prints: "insmod /dir/path.ko " or "builtin name". */
export function formatShowDepends(steps: readonly LoadStep[], moduleDirectory: string): string {
  const base = moduleDirectory.endsWith('/') ? moduleDirectory : `${moduleDirectory}/`;
  return (
    steps
      // An absolute modules.dep path (a module outside the release's directory) is used as it is, as libkmod does.
      .map((step) => {
        if (step.kind === 'builtin') return `builtin ${step.name}\n`;
        const options = step.options ? ` ${step.options}` : '';
        if (step.install !== undefined) return `install ${step.install}${options} \n`;
        return `insmod ${step.path.startsWith('/') ? '' : base}${step.path}${options} \n`;
      })
      .join('')
  );
}

function probeTarget(database: ModuleDatabase, target: LookupTarget, config: LoadConfig): LoadStep[] {
  const steps: LoadStep[] = [];
  const visited = new Set<string>();
  // libkmod lists a module with an install command (its dependencies still come first) as that command.
  const step = (t: LookupTarget): LoadStep => {
    if (t.kind === 'builtin') return t;
    const options = config.options?.get(t.module.name);
    const command = config.installs?.get(t.module.name);
    const loaded: LoadStep = { kind: 'insmod', name: t.module.name, path: t.module.path };
    if (command !== undefined) loaded.install = command;
    if (options !== undefined) loaded.options = options;
    return loaded;
  };

  // libkmod's __kmod_module_get_probe_list: a module is expanded once; its dependencies are listed
  // (with their soft dependencies) each time a module that needs them is expanded.
  // Soft-dependency loops end because a module is expanded only once.
  const expand = (t: LookupTarget): void => {
    const name = targetName(t);
    if (visited.has(name)) return;
    visited.add(name);
    if (t.kind === 'module') checkDependencyCycles(database, t.module);
    const dependencies = t.kind === 'module' ? dependencyTargets(database, t.module) : [];
    for (const dependency of dependencies) withSoftdeps(dependency);
    withSoftdeps(t);
  };
  const withSoftdeps = (t: LookupTarget): void => {
    const { pre, post } = database.softdepsOf(targetName(t));
    for (const query of pre) for (const found of database.lookup(query)) expand(found);
    steps.push(step(t));
    for (const query of post) for (const found of database.lookup(query)) expand(found);
  };
  expand(target);
  return steps;
}

function targetName(target: LookupTarget): string {
  return target.kind === 'builtin' ? target.name : target.module.name;
}

/** The module's dependencies from modules.dep, deepest first; each must be a known module. */
function dependencyTargets(database: ModuleDatabase, module: DatabaseModule): LookupTarget[] {
  const targets: LookupTarget[] = [];
  for (let i = module.dependencies.length - 1; i >= 0; i--) {
    const path = module.dependencies[i]!;
    const dependency = database.moduleByPath(path);
    if (!dependency) {
      throw kmodError(
        'KMOD_DEPENDENCY_NOT_FOUND',
        `${where(module)}${module.name} (${module.path}) needs ${path}, which modules.dep does not list as a module`,
        { source: 'modules.dep', offset: module.offset },
      );
    }
    targets.push({ kind: 'module', module: dependency });
  }
  return targets;
}

/**
 * Checks that no module reachable from `module` through modules.dep leads back to itself (depmod
 * refuses to write a cycle, but a hand-made or damaged file may hold one): KMOD_DEPENDENCY_CYCLE
 * names the loop. Without a module, checks the whole database.
 */
export function checkDependencyCycles(database: ModuleDatabase, module?: DatabaseModule): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (current: DatabaseModule): void => {
    const seen = state.get(current.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const loop = [...stack.slice(stack.indexOf(current.name)), current.name];
      throw kmodError('KMOD_DEPENDENCY_CYCLE', `${where(current)}dependency cycle: ${loop.join(' -> ')}`, {
        source: 'modules.dep',
        offset: current.offset,
      });
    }
    state.set(current.name, 'visiting');
    stack.push(current.name);
    for (const target of dependencyTargets(database, current)) if (target.kind === 'module') visit(target.module);
    stack.pop();
    state.set(current.name, 'done');
  };
  for (const start of module ? [module] : database.modules) visit(start);
}

/** "line 12: " when the module's modules.dep line is known. */
function where(module: DatabaseModule): string {
  return module.line === undefined ? '' : `line ${module.line}: `;
}

function notFound(database: ModuleDatabase, query: string): InitkitError {
  const normalized = normalizeAlias(query) ?? query;
  const names = [...database.modules.map((m) => m.name), ...database.builtinNames];
  const nearest = nearestNames(normalized, names, 3);
  const hint = nearest.length > 0 ? `; nearest names: ${nearest.join(', ')}` : '';
  return kmodError(
    'KMOD_MODULE_NOT_FOUND',
    `module ${query} not found (no module, alias or built-in by that name)${hint}`,
  );
}

/** Up to `count` names closest to `wanted` by edit distance (at most a third of its length, min 2). */
export function nearestNames(wanted: string, names: readonly string[], count: number): string[] {
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const scored: { name: string; distance: number }[] = [];
  for (const name of new Set(names)) {
    if (Math.abs(name.length - wanted.length) > limit && !name.includes(wanted)) continue;
    const distance = name.includes(wanted)
      ? Math.min(limit, name.length - wanted.length)
      : editDistance(wanted, name, limit);
    if (distance <= limit) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : 1));
  return scored.slice(0, count).map((s) => s.name);
}

/** Levenshtein distance, giving up (returning limit + 1) once every path exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}
