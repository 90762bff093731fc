/**
 * modprobe.d configuration as libkmod reads it: `alias`, `softdep`, `install`, `options` and
 * `blacklist` lines (a trailing backslash continues a line; `#` starts a comment line; unknown or
 * malformed lines are ignored, as libkmod ignores them with a log message). Module names compare
 * with '-' and '_' equal; for one module, the first `install` wins and `options` accumulate.
 */
import { normalizeAlias } from './module-name.js';
import type { SoftdepLine } from './text-files.js';
import { parseSoftdepValue } from './text-files.js';

export interface ModprobeConfig {
  aliases: { pattern: string; module: string }[];
  softdeps: SoftdepLine[];
  /** install MODULE COMMAND: run COMMAND instead of inserting MODULE. */
  installs: Map<string, string>;
  /** options MODULE OPTIONS: module parameters, in the order the lines came. */
  options: Map<string, string>;
  /** blacklist MODULE: its aliases are not used. */
  blacklist: Set<string>;
}

export function emptyModprobeConfig(): ModprobeConfig {
  return { aliases: [], softdeps: [], installs: new Map(), options: new Map(), blacklist: new Set() };
}

function moduleKey(name: string): string {
  return normalizeAlias(name) ?? name;
}

/** Adds the lines of one configuration file to `config` (files are read in the order libkmod reads them). */
export function parseModprobeConfig(text: string, config: ModprobeConfig = emptyModprobeConfig()): ModprobeConfig {
  const joined = text.replace(/\\\n/g, '');
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/[ \t]+/);
    const [keyword, module] = words;
    if (module === undefined) continue;
    const rest = line.slice(line.indexOf(module, keyword!.length) + module.length).trim();
    switch (keyword) {
      case 'alias':
        if (words[2] !== undefined) config.aliases.push({ pattern: module, module: moduleKey(words[2]) });
        break;
      case 'softdep':
        config.softdeps.push({ module: moduleKey(module), ...parseSoftdepValue(rest) });
        break;
      case 'install':
        if (rest !== '' && !config.installs.has(moduleKey(module))) config.installs.set(moduleKey(module), rest);
        break;
      case 'options': {
        if (rest === '') break;
        const before = config.options.get(moduleKey(module));
        config.options.set(moduleKey(module), before === undefined ? rest : `${before} ${rest}`);
        break;
      }
      case 'blacklist':
        config.blacklist.add(moduleKey(module));
        break;
      default:
        break;
    }
  }
  return config;
}
