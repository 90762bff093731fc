/**
 * Reading a root's modprobe.d configuration in libkmod's order: the *.conf files of ROOT/etc/modprobe.d,
 * ROOT/run/modprobe.d, ROOT/usr/local/lib/modprobe.d, ROOT/usr/lib/modprobe.d and ROOT/lib/modprobe.d,
 * a file name in an earlier directory hiding the same name in a later one, all read in file-name order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyModprobeConfig, type ModprobeConfig, parseModprobeConfig } from '../modprobe-config.js';

export const MODPROBE_D_DIRECTORIES = [
  'etc/modprobe.d',
  'run/modprobe.d',
  'usr/local/lib/modprobe.d',
  'usr/lib/modprobe.d',
  'lib/modprobe.d',
];

/** The configuration under `root` ('/' for the running system). Missing directories are skipped. */
export function readModprobeConfig(root: string): ModprobeConfig {
  const files = new Map<string, string>();
  for (const directory of MODPROBE_D_DIRECTORIES) {
    let names: string[];
    try {
      names = readdirSync(join(root, directory));
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.endsWith('.conf') && !files.has(name)) files.set(name, join(root, directory, name));
    }
  }
  const config = emptyModprobeConfig();
  for (const name of [...files.keys()].sort()) {
    let text: string;
    try {
      text = readFileSync(files.get(name)!, 'utf8');
    } catch {
      continue;
    }
    parseModprobeConfig(text, config);
  }
  return config;
}
