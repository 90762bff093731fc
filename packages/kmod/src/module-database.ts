/**
 * What modprobe knows about a module tree, loaded from the files depmod writes (text or binary):
 * module paths and dependencies, aliases, soft dependencies, built-ins and exported symbols. Lookups
 * follow libkmod's order: a module name, then `symbol:` aliases, then alias patterns, then built-in
 * names, then built-in aliases. Names compare with '-' and '_' equal.
 */
import { decodeUtf8 } from '@initkit/core';
import { compileGlob, type GlobPattern } from './fnmatch.js';
import { KmodIndex } from './index-file.js';
import { moduleNameFromPath, normalizeAlias } from './module-name.js';
import {
  type ModuleDependencyLine,
  parseBuiltin,
  parseBuiltinModinfo,
  parseModulesAlias,
  parseModulesDep,
  parseModulesSoftdep,
  type SoftdepLine,
} from './text-files.js';

/** The files of a module directory, by name (modules.dep, modules.dep.bin, modules.alias, ...). */
export type ModuleFiles = ReadonlyMap<string, Uint8Array | string>;

export interface DatabaseModule extends ModuleDependencyLine {
  /** Position in modules.dep: alias matches come out in this order. */
  index: number;
}

/** A lookup's answer: a loadable module, or a module built into the kernel. */
export type LookupTarget = { kind: 'module'; module: DatabaseModule } | { kind: 'builtin'; name: string };

interface AliasRule {
  glob: GlobPattern;
  module: string;
  priority: number;
}

export interface ModuleDatabaseOptions {
  /** Extra soft dependencies (from modprobe.d), consulted before modules.softdep. */
  softdeps?: readonly SoftdepLine[];
  /** Extra aliases (from modprobe.d), consulted before everything else. */
  aliases?: readonly { pattern: string; module: string }[];
  /** Modules whose aliases are not used (modprobe.d `blacklist`): an alias standing only for them finds nothing. */
  blacklist?: ReadonlySet<string>;
}

function text(value: Uint8Array | string): string {
  return typeof value === 'string' ? value : decodeUtf8(value);
}

function bytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

export class ModuleDatabase {
  private readonly modulesByName = new Map<string, DatabaseModule>();
  private readonly modulesByPath = new Map<string, DatabaseModule>();
  private readonly aliasRules: AliasRule[] = [];
  private readonly configAliases: AliasRule[];
  private readonly softdepRules: { glob: GlobPattern; pre: string[]; post: string[] }[];
  private readonly builtins = new Set<string>();
  private readonly builtinAliasRules: AliasRule[] = [];
  private readonly symbolOwners = new Map<string, string>();
  private readonly blacklist: ReadonlySet<string>;

  /**
   * Builds the database from a module directory's files: the binary indexes when present, as libkmod
   * reads them (so where a text file and its index disagree, the index wins), else the text files (a
   * tree may ship either). A zero-byte index is an empty index.
   */
  constructor(files: ModuleFiles, options: ModuleDatabaseOptions = {}) {
    const dep = files.get('modules.dep');
    const depBin = files.get('modules.dep.bin');
    let lines: ModuleDependencyLine[];
    if (depBin !== undefined) {
      lines = [...new KmodIndex(bytes(depBin)).entries()]
        .flatMap(([, values]) => values)
        .sort((a, b) => a.priority - b.priority)
        .flatMap((value) => parseModulesDep(value.value).map(({ line: _line, offset: _offset, ...entry }) => entry));
    } else if (dep !== undefined) lines = parseModulesDep(text(dep));
    else lines = [];
    lines.forEach((line, index) => {
      if (this.modulesByName.has(line.name)) return;
      const module = { ...line, index };
      this.modulesByName.set(line.name, module);
      this.modulesByPath.set(line.path, module);
    });

    const alias = files.get('modules.alias');
    const aliasBin = files.get('modules.alias.bin');
    if (aliasBin === undefined && alias !== undefined) {
      for (const line of parseModulesAlias(text(alias))) {
        const pattern = normalizeAlias(line.pattern);
        if (pattern === undefined) continue;
        const priority = this.modulesByName.get(line.module)?.index ?? Number.MAX_SAFE_INTEGER;
        this.aliasRules.push({ glob: compileGlob(pattern), module: line.module, priority });
      }
    } else if (aliasBin !== undefined) {
      for (const [pattern, values] of new KmodIndex(bytes(aliasBin)).entries()) {
        for (const value of values)
          this.aliasRules.push({ glob: compileGlob(pattern), module: value.value, priority: value.priority });
      }
    }

    const softdep = files.get('modules.softdep');
    const softdepLines = [
      ...(options.softdeps ?? []),
      ...(softdep !== undefined ? parseModulesSoftdep(text(softdep)) : []),
    ];
    this.softdepRules = softdepLines.map((line) => ({
      glob: compileGlob(line.module),
      pre: line.pre,
      post: line.post,
    }));

    const builtin = files.get('modules.builtin');
    const builtinBin = files.get('modules.builtin.bin');
    if (builtinBin === undefined && builtin !== undefined)
      for (const path of parseBuiltin(text(builtin))) this.builtins.add(moduleNameFromPath(path));
    else if (builtinBin !== undefined)
      for (const name of new KmodIndex(bytes(builtinBin)).entries().keys()) this.builtins.add(name);

    const builtinModinfo = files.get('modules.builtin.modinfo');
    const builtinAliasBin = files.get('modules.builtin.alias.bin');
    if (builtinAliasBin === undefined && builtinModinfo !== undefined) {
      for (const entry of parseBuiltinModinfo(bytes(builtinModinfo))) {
        const pattern = entry.key === 'alias' ? normalizeAlias(entry.value) : undefined;
        if (pattern) this.builtinAliasRules.push({ glob: compileGlob(pattern), module: entry.module, priority: 0 });
      }
    } else if (builtinAliasBin !== undefined) {
      for (const [pattern, values] of new KmodIndex(bytes(builtinAliasBin)).entries()) {
        for (const value of values)
          this.builtinAliasRules.push({ glob: compileGlob(pattern), module: value.value, priority: 0 });
      }
    }

    const symbols = files.get('modules.symbols');
    const symbolsBin = files.get('modules.symbols.bin');
    if (symbolsBin === undefined && symbols !== undefined) {
      for (const line of parseModulesAlias(text(symbols))) this.symbolOwners.set(line.pattern, line.module);
    } else if (symbolsBin !== undefined) {
      for (const [key, values] of new KmodIndex(bytes(symbolsBin)).entries()) {
        if (values[0]) this.symbolOwners.set(key, values[0].value);
      }
    }

    this.blacklist = options.blacklist ?? new Set();
    this.configAliases = (options.aliases ?? []).flatMap(({ pattern, module }) => {
      const normalized = normalizeAlias(pattern);
      return normalized === undefined ? [] : [{ glob: compileGlob(normalized), module, priority: 0 }];
    });
  }

  /** Every loadable module, in modules.dep order. */
  get modules(): DatabaseModule[] {
    return [...this.modulesByName.values()];
  }

  /** The loadable module with this name ('-' or '_'), if any. */
  module(name: string): DatabaseModule | undefined {
    return this.modulesByName.get(normalizeAlias(name) ?? name);
  }

  /** The module at a path relative to the module directory, as modules.dep spells it. */
  moduleByPath(path: string): DatabaseModule | undefined {
    return this.modulesByPath.get(path);
  }

  isBuiltin(name: string): boolean {
    return this.builtins.has(normalizeAlias(name) ?? name);
  }

  /** Names of the built-in modules. */
  get builtinNames(): string[] {
    return [...this.builtins];
  }

  /** The modules whose soft dependencies apply to `name`: the first matching softdep rule. */
  softdepsOf(name: string): { pre: string[]; post: string[] } {
    const rule = this.softdepRules.find((candidate) => candidate.glob.matches(name));
    return rule ? { pre: rule.pre, post: rule.post } : { pre: [], post: [] };
  }

  /**
   * What a name or alias stands for, as kmod_module_new_from_lookup finds it: the first source with
   * an answer wins. An alias can stand for several modules (all of them are loaded). Empty: not found.
   */
  lookup(query: string): LookupTarget[] {
    const normalized = normalizeAlias(query);
    if (normalized === undefined || normalized === '') return [];
    const fromConfig = this.matchRules(this.configAliases, normalized);
    if (fromConfig.length > 0) return this.notBlacklisted(fromConfig).flatMap((name) => this.targetsForName(name));
    const module = this.modulesByName.get(normalized);
    if (module) return [{ kind: 'module', module }];
    if (normalized.startsWith('symbol:')) {
      const owner = this.symbolOwners.get(normalized);
      const ownerModule = owner === undefined ? undefined : this.modulesByName.get(owner);
      if (ownerModule) return [{ kind: 'module', module: ownerModule }];
    }
    const aliased = this.matchRules(this.aliasRules, normalized);
    if (aliased.length > 0) return this.notBlacklisted(aliased).flatMap((name) => this.targetsForName(name));
    if (this.builtins.has(normalized)) return [{ kind: 'builtin', name: normalized }];
    const builtinAliased = this.matchRules(this.builtinAliasRules, normalized);
    return builtinAliased.map((name) => ({ kind: 'builtin', name }));
  }

  /**
   * True when `query` is an alias that stands only for blacklisted modules: modprobe then loads nothing
   * and reports no error.
   */
  isBlacklistedAlias(query: string): boolean {
    const normalized = normalizeAlias(query);
    if (normalized === undefined || normalized === '' || this.blacklist.size === 0) return false;
    const fromConfig = this.matchRules(this.configAliases, normalized);
    if (fromConfig.length > 0) return this.notBlacklisted(fromConfig).length === 0;
    if (this.modulesByName.has(normalized)) return false;
    const aliased = this.matchRules(this.aliasRules, normalized);
    return aliased.length > 0 && this.notBlacklisted(aliased).length === 0;
  }

  /** libkmod applies the blacklist to modules found through an alias (modprobe's default). */
  private notBlacklisted(names: string[]): string[] {
    return this.blacklist.size === 0 ? names : names.filter((name) => !this.blacklist.has(name));
  }

  private targetsForName(name: string): LookupTarget[] {
    const module = this.modulesByName.get(name);
    if (module) return [{ kind: 'module', module }];
    if (this.builtins.has(name)) return [{ kind: 'builtin', name }];
    return [];
  }

  /** Module names whose patterns match, by priority (module order), as the alias index returns them. */
  private matchRules(rules: readonly AliasRule[], text: string): string[] {
    const matched = rules.filter((rule) => rule.glob.matches(text));
    matched.sort((a, b) => a.priority - b.priority);
    return matched.map((rule) => rule.module);
  }
}
