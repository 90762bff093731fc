/**
 * Which native tools (the oracles) are on this machine. Locally a test that needs a missing tool is
 * skipped with a message; with CI=true a missing tool fails the run, never a silent pass.
 */
import { execFileSync } from 'node:child_process';

const cache = new Map<string, boolean>();

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

function onPath(tool: string): boolean {
  let found = cache.get(tool);
  if (found === undefined) {
    try {
      execFileSync('sh', ['-c', `command -v "$0"`, tool], { stdio: 'ignore' });
      found = true;
    } catch {
      found = false;
    }
    cache.set(tool, found);
  }
  return found;
}

/**
 * True when every tool is installed. When one is missing: throws under CI, otherwise warns and returns
 * false so the caller can `describe.runIf(hasTools(...))`.
 */
export function hasTools(...tools: string[]): boolean {
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length === 0) return true;
  const message = `missing native tool(s): ${missing.join(', ')} (install them as .ci/run does)`;
  if (inCI) throw new Error(`${message}; CI=true requires every oracle`);
  console.warn(`skipping: ${message}`);
  return false;
}

/** True when running as root (device nodes, chown); under CI the suite runs as root. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
