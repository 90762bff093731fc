/**
 * Node binaries for the runtime matrix: the built bundles and the CLI are checked on runtimes other
 * than the one that builds them (Debian's Node 18 on the ARM guest; Node 22 and 24, which have zstd in
 * node:zlib). Each is fetched once from the npm registry's node-linux-<arch> package into test/.cache/.
 * Run as a script (`npx tsx test/harness/node-runtimes.ts`) it prefetches every runtime and prints
 * their paths.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './run.js';

/** The exact releases tested, by major version. */
export const NODE_RUNTIMES = {
  18: '18.20.8',
  22: '22.23.5',
  24: '24.22.3',
} as const;

export type NodeMajor = keyof typeof NODE_RUNTIMES;

/** The cached `node` binary of that major version, fetched first if missing. */
export function nodeBinary(major: NodeMajor): string {
  const version = NODE_RUNTIMES[major];
  const directory = join(repoRoot, `test/.cache/node${major}`);
  const binary = join(directory, version, 'bin/node');
  if (existsSync(binary)) return binary;
  mkdirSync(directory, { recursive: true });
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  const tarball = execFileSync('npm', ['pack', `node-linux-${arch}@${version}`, '--silent'], {
    cwd: directory,
    encoding: 'utf8',
  }).trim();
  // Unpack beside the final place and rename, so an interrupted fetch never looks complete.
  const staging = join(directory, `${version}.partial`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  execFileSync('tar', ['xzf', join(directory, tarball), '-C', staging, '--strip-components=1']);
  rmSync(join(directory, tarball), { force: true });
  renameSync(staging, join(directory, version));
  return binary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const major of Object.keys(NODE_RUNTIMES)) console.log(nodeBinary(Number(major) as NodeMajor));
}
