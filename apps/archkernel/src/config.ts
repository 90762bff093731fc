/**
 * The configuration: /etc/archkernel-load.toml read with smol-toml and checked against CONFIG_KEYS. A
 * missing file means every default; a bad key or value is an ARCHKERNEL_BAD_CONFIG error naming the
 * file, the line and the key.
 */
import { readFileSync } from 'node:fs';
import { InitkitError } from '@initkit/core';
import { parse, TomlError } from 'smol-toml';
import { CONFIG_KEYS, type KeySpec, type KeyType } from './config-schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/archkernel-load.toml';

export interface Config {
  kernel: {
    image: string;
    modules_dir: string;
    modules: string[];
    optional_modules: string[];
    decompress_modules: 'auto' | 'always' | 'never';
  };
  boot_server: {
    address: string;
    fallback: string;
    port: number;
    script: string;
    timeout_ms: number;
    retries: number;
    deadline_ms: number;
  };
  metadata: {
    url: string;
    kill_switch_tag: string;
    timeout_ms: number;
    retries: number;
    when_unreachable: 'proceed' | 'refuse';
  };
  kexec: { cmdline_append: string[]; dtb: string; max_unconfirmed: number };
  files: { initrd: string; cache_record: string; state: string; release_record: string };
}

export function defaultConfig(): Config {
  const config: Record<string, Record<string, unknown>> = {};
  for (const spec of CONFIG_KEYS) {
    config[spec.section] ??= {};
    config[spec.section]![spec.key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return config as unknown as Config;
}

/** The line where `[section]`'s `key` is written (1-based), for messages; 0 when not found. */
function lineOf(text: string, section: string, key?: string): number {
  const lines = text.split('\n');
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const header = /^\[\s*([^\]\s]+)\s*\]/.exec(line);
    if (header) {
      current = header[1]!;
      if (key === undefined && current === section) return i + 1;
      continue;
    }
    if (key !== undefined && current === section && new RegExp(`^["']?${key}["']?\\s*=`).test(line)) return i + 1;
  }
  return 0;
}

function typeName(type: KeyType): string {
  if (typeof type === 'object') return `one of ${type.oneOf.map((value) => JSON.stringify(value)).join(', ')}`;
  return { string: 'a string', integer: 'an integer', boolean: 'true or false', 'string-list': 'a list of strings' }[
    type
  ];
}

function typeError(spec: KeySpec, value: unknown): string | undefined {
  const type = spec.type;
  const ok =
    typeof type === 'object'
      ? typeof value === 'string' && type.oneOf.includes(value)
      : type === 'string'
        ? typeof value === 'string'
        : type === 'integer'
          ? typeof value === 'number' && Number.isInteger(value)
          : type === 'boolean'
            ? typeof value === 'boolean'
            : Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (!ok) return `must be ${typeName(type)}, found ${JSON.stringify(value)}`;
  return spec.check?.(value as never);
}

/** Parses and checks a configuration text; `file` names it in errors. */
export function parseConfig(text: string, file: string): Config {
  const fail = (line: number, message: string): never => {
    throw new InitkitError('ARCHKERNEL_BAD_CONFIG', `${file}${line > 0 ? `:${line}` : ''}: ${message}`);
  };
  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) fail(error.line, error.message.split('\n')[0]!);
    throw error;
  }
  const config = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
  for (const [section, table] of Object.entries(document)) {
    if (!(section in config)) {
      fail(lineOf(text, section), `unknown section [${section}] (known: ${Object.keys(config).join(', ')})`);
    }
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      fail(lineOf(text, section), `${section} must be a table ([${section}])`);
    }
    for (const [key, value] of Object.entries(table as Record<string, unknown>)) {
      const spec = CONFIG_KEYS.find((candidate) => candidate.section === section && candidate.key === key);
      if (!spec) {
        const known = CONFIG_KEYS.filter((candidate) => candidate.section === section).map(
          (candidate) => candidate.key,
        );
        fail(lineOf(text, section, key), `unknown key ${section}.${key} (known in [${section}]: ${known.join(', ')})`);
      }
      const problem = typeError(spec!, value);
      if (problem) fail(lineOf(text, section, key), `${section}.${key} ${problem}`);
      config[section]![key] = value;
    }
  }
  return config as unknown as Config;
}

/** Reads the configuration file; a missing file gives the defaults. */
export function loadConfig(path: string): { config: Config; found: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { config: defaultConfig(), found: false };
    throw new InitkitError('ARCHKERNEL_BAD_CONFIG', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { config: parseConfig(text, path), found: true };
}

function tomlValue(value: KeySpec['default']): string {
  if (Array.isArray(value)) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function wrapComment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > 100 && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** The default configuration file: every key, commented out at its default, with its documentation. */
export function formatDefaultConfig(): string {
  const out = [
    '# archkernel-load configuration. Every key is shown at its default, commented out: uncomment and',
    '# change what you need. Paths are paths on this system. `archkernel-load plan` shows the effect.',
  ];
  let section = '';
  for (const spec of CONFIG_KEYS) {
    if (spec.section !== section) {
      section = spec.section;
      out.push('', `[${section}]`);
    }
    out.push(...wrapComment(spec.doc), `#${spec.key} = ${tomlValue(spec.default)}`);
  }
  return `${out.join('\n')}\n`;
}
