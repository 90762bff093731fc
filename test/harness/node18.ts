/**
 * A Node 18 binary for checking that the built bundles still run there (the ARM guest runs Debian's
 * Node 18). Fetched once from the npm registry's node-linux-<arch> package into test/.cache/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './run.js';

const NODE18_VERSION = '18.20.8';

export function node18Binary(): string {
  const directory = join(repoRoot, 'test/.cache/node18');
  const binary = join(directory, 'package/bin/node');
  if (existsSync(binary)) return binary;
  mkdirSync(directory, { recursive: true });
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  const tarball = execFileSync('npm', ['pack', `node-linux-${arch}@${NODE18_VERSION}`, '--silent'], {
    cwd: directory,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', tarball], { cwd: directory });
  return binary;
}
