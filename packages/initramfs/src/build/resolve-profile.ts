/**
 * Resolving profiles against the target kernel's module tree: each profile module as modprobe would
 * load it (dependencies deepest first, `pre:` soft dependencies before and `post:` after, aliases,
 * built-ins reported with nothing to load), kept once in load order, each with the reason it is there.
 * A required module the kernel has neither as a module nor built in fails with the chain that needed it
 * and the nearest names; an optional one is reported as skipped.
 */
import { isInitkitError } from '@initkit/core';
import { type LoadStep, type ModuleDatabase, nearestNames, normalizeAlias, probeList } from '@initkit/kmod';
import { initramfsError } from '../errors.js';
import type { Profile, ProfileModule } from './profile.js';

export interface ResolvedModule {
  name: string;
  /** 'insmod': a file to load (path relative to lib/modules/<release>); 'builtin': nothing to load. */
  kind: 'insmod' | 'builtin';
  path?: string;
  /** Why it is there: the profile line's reason, or which module needed it. */
  reason: string;
  /** The profile and the module line that brought it in. */
  profile: string;
  requestedBy: string;
}

export interface SkippedModule {
  profile: string;
  name: string;
  reason: string;
}

export interface ResolvedChain {
  /** Modules and built-ins in load order, each once. */
  modules: ResolvedModule[];
  /** Optional profile modules the kernel does not have. */
  skipped: SkippedModule[];
}

/** Resolves every profile's modules, in profile order, against the tree's database. */
export function resolveProfiles(database: ModuleDatabase, profiles: readonly Profile[]): ResolvedChain {
  const modules: ResolvedModule[] = [];
  const skipped: SkippedModule[] = [];
  const seen = new Set<string>();
  for (const profile of profiles) {
    for (const wanted of profile.modules) {
      const steps = probe(database, profile, wanted);
      if (steps === undefined) {
        skipped.push({ profile: profile.name, name: wanted.name, reason: wanted.reason });
        continue;
      }
      const requested = new Set(database.lookup(wanted.name).map(targetName));
      for (const step of steps) {
        if (seen.has(step.name)) continue;
        seen.add(step.name);
        modules.push({
          name: step.name,
          kind: step.kind,
          ...(step.kind === 'insmod' ? { path: step.path } : {}),
          reason: requested.has(step.name)
            ? wanted.reason
            : whyNeeded(database, step.name, wanted.name, [...requested]),
          profile: profile.name,
          requestedBy: wanted.name,
        });
      }
    }
  }
  return { modules, skipped };
}

function targetName(target: ReturnType<ModuleDatabase['lookup']>[number]): string {
  return target.kind === 'builtin' ? target.name : target.module.name;
}

/** modprobe's list for one profile module; undefined for a missing optional one. */
function probe(database: ModuleDatabase, profile: Profile, wanted: ProfileModule): LoadStep[] | undefined {
  if (database.lookup(wanted.name).length === 0) {
    if (wanted.optional) return undefined;
    const query = normalizeAlias(wanted.name) ?? wanted.name;
    const nearest = nearestNames(query, [...database.modules.map((m) => m.name), ...database.builtinNames], 3);
    throw initramfsError(
      'INITRAMFS_MODULE_NOT_FOUND',
      `${chain(profile, wanted)}: the kernel has no module, alias or built-in named ${wanted.name}` +
        (nearest.length > 0 ? `; nearest names: ${nearest.join(', ')}` : '; no similar names'),
    );
  }
  try {
    return probeList(database, wanted.name);
  } catch (error) {
    if (isInitkitError(error) && error.code.startsWith('KMOD_')) {
      throw initramfsError('INITRAMFS_MODULE_NOT_FOUND', `${chain(profile, wanted)}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** "profile ec2-nitro (line 3): module nvme (EBS volumes are NVMe controllers)". */
function chain(profile: Profile, wanted: ProfileModule): string {
  const line = wanted.line > 0 ? ` line ${wanted.line}` : '';
  return `profile ${profile.name}${line}: module ${wanted.name} (${wanted.reason})`;
}

/** Whether a module came as a dependency (modules.dep) or a soft dependency, and of what. */
function whyNeeded(database: ModuleDatabase, name: string, asked: string, requested: readonly string[]): string {
  for (const owner of requested) {
    const module = database.module(owner);
    if (module?.dependencies.some((path) => database.moduleByPath(path)?.name === name)) {
      return `dependency of ${owner}`;
    }
  }
  for (const owner of [...requested, ...dependencyNames(database, requested)]) {
    const { pre, post } = database.softdepsOf(owner);
    const matches = (query: string) => database.lookup(query).some((target) => targetName(target) === name);
    if (pre.some(matches)) return `soft dependency (pre) of ${owner}`;
    if (post.some(matches)) return `soft dependency (post) of ${owner}`;
  }
  return `needed by ${asked}`;
}

function dependencyNames(database: ModuleDatabase, names: readonly string[]): string[] {
  const result: string[] = [];
  for (const name of names) {
    for (const path of database.module(name)?.dependencies ?? []) {
      const dependency = database.moduleByPath(path);
      if (dependency) result.push(dependency.name);
    }
  }
  return result;
}

/** The chain as `--print` shows it: one line per module, with what to load and why. */
export function formatChain(chain: ResolvedChain): string {
  const lines = chain.modules.map((module) =>
    module.kind === 'insmod'
      ? `insmod  ${module.path}  # ${module.reason} [${module.profile}]`
      : `builtin ${module.name}  # ${module.reason} [${module.profile}]`,
  );
  for (const skipped of chain.skipped)
    lines.push(`skipped ${skipped.name}  # optional, not in this kernel: ${skipped.reason} [${skipped.profile}]`);
  return `${lines.join('\n')}\n`;
}
