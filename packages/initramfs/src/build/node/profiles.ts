/**
 * Finding and reading the profile files: packages/initramfs/profiles/ in a checkout (sources run
 * through tsx or vitest) and in the published package (dist/ beside profiles/), or a bundle that
 * can still resolve @initkit/initramfs; a name containing '/' is read as a file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initramfsError } from '../../errors.js';
import { type Profile, parseProfile } from '../profile.js';

const MARKER = 'virtio.profile';

function here(): string | undefined {
  // ESM build and sources: import.meta.url; CJS build: __filename.
  try {
    const url = import.meta.url;
    if (url) return dirname(fileURLToPath(url));
  } catch {
    // No import.meta in CommonJS.
  }
  return typeof __filename === 'string' ? dirname(__filename) : undefined;
}

let cached: string | undefined;

/** The directory holding the shipped profiles. */
export function profileDirectory(): string {
  if (cached) return cached;
  const candidates: string[] = [];
  if (process.env.INITKIT_PROFILE_DIR) candidates.push(process.env.INITKIT_PROFILE_DIR);
  const start = here();
  if (start) {
    for (let directory = start, i = 0; i < 5; i++, directory = dirname(directory)) {
      candidates.push(join(directory, 'profiles'));
    }
  }
  try {
    const require = createRequire(start ? join(start, 'noop.js') : join(process.cwd(), 'noop.js'));
    candidates.push(join(dirname(require.resolve('@initkit/initramfs/package.json')), 'profiles'));
  } catch {
    // Not resolvable from here: the other candidates decide.
  }
  const found = candidates.find((candidate) => existsSync(join(candidate, MARKER)));
  if (!found) {
    throw initramfsError(
      'INITRAMFS_NO_PROFILES',
      `cannot find initkit's profile files (looked in ${candidates.join(', ')}); set INITKIT_PROFILE_DIR`,
    );
  }
  cached = found;
  return found;
}

/** Names of the shipped profiles. */
export function listProfiles(): string[] {
  return readdirSync(profileDirectory())
    .filter((name) => name.endsWith('.profile'))
    .map((name) => name.slice(0, -'.profile'.length))
    .sort();
}

/** Reads a profile by name (a shipped one) or by path (a name containing '/'). */
export function loadProfile(nameOrPath: string): Profile {
  if (nameOrPath.includes('/')) {
    return parseProfile(basename(nameOrPath).replace(/\.profile$/, ''), readFileSync(resolve(nameOrPath), 'utf8'));
  }
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(nameOrPath)) {
    throw initramfsError('INITRAMFS_BAD_PROFILE', `${JSON.stringify(nameOrPath)} is not a profile name`);
  }
  const file = join(profileDirectory(), `${nameOrPath}.profile`);
  if (!existsSync(file)) {
    throw initramfsError(
      'INITRAMFS_NOT_FOUND',
      `no profile named ${nameOrPath}; known profiles: ${listProfiles().join(', ')}`,
    );
  }
  return parseProfile(nameOrPath, readFileSync(file, 'utf8'));
}
