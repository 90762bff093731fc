/**
 * The cache: the patched initrd on /boot and a record of what it was built from. Its key covers
 * everything that changes the output: the boot script's bytes (a new provider initrd comes with a new
 * script), the distribution kernel's release and image hash, the module list (names asked for, the
 * closure's paths and the module tree's modules.dep) and the app's version. The original tool keyed on
 * the release only, so a new provider initrd was silently ignored.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@initkit/core/node';

export interface CacheKeyInput {
  appVersion: string;
  scriptSha256: string;
  release: string;
  kernelSha256: string;
  /** Names asked for, then the closure's paths in load order. */
  modules: readonly string[];
  modulesDepSha256: string;
  decompress: boolean;
}

export interface CacheRecord {
  format: 1;
  key: string;
  input: CacheKeyInput;
  /** Where the provider initrd came from. */
  providerInitrd: { server: string; file: string; size: number };
  output: { size: number; sha256: string };
  builtAt: string;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function cacheKey(input: CacheKeyInput): string {
  return sha256(JSON.stringify(input));
}

/** The record, or undefined when missing or unreadable (a rebuild then replaces it). */
export function readCacheRecord(path: string): CacheRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as CacheRecord;
    return record.format === 1 && typeof record.key === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

export interface CacheCheck {
  hit: boolean;
  reason: string;
}

/** A hit needs the same key and the patched initrd still there at the recorded size. */
export function checkCache(record: CacheRecord | undefined, input: CacheKeyInput, initrdPath: string): CacheCheck {
  if (!record) return { hit: false, reason: 'no cache record' };
  if (record.key !== cacheKey(input)) {
    const changes = keyChanges(record, input);
    return { hit: false, reason: `changed since the last build: ${changes.join(', ') || 'the key'}` };
  }
  let size: number;
  try {
    size = statSync(initrdPath).size;
  } catch {
    return { hit: false, reason: `${initrdPath} is missing` };
  }
  if (size !== record.output.size) {
    return { hit: false, reason: `${initrdPath} is ${size} bytes, the record says ${record.output.size}` };
  }
  return { hit: true, reason: `built ${record.builtAt} from the same script, kernel and modules` };
}

/** What differs between the recorded key input and the current one, for the log. */
export function keyChanges(record: CacheRecord | undefined, input: CacheKeyInput): string[] {
  if (!record) return [];
  const labels: Record<keyof CacheKeyInput, string> = {
    appVersion: 'app version',
    scriptSha256: 'boot script',
    release: 'kernel release',
    kernelSha256: 'kernel image',
    modules: 'module list',
    modulesDepSha256: 'modules.dep',
    decompress: 'module decompression',
  };
  return (Object.keys(labels) as (keyof CacheKeyInput)[])
    .filter((name) => JSON.stringify(record.input[name]) !== JSON.stringify(input[name]))
    .map((name) => labels[name]);
}

export async function writeCacheRecord(path: string, record: CacheRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`), {
    mode: 0o644,
    durable: true,
  });
}
