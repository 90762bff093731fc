/**
 * The build manifest (--manifest): every path of the image with its type, mode, size, SHA-256, where
 * it came from and, for modules, why it is there; plus the release, compression, resolved chain, and
 * the busybox applets the /init runs beside those the packed busybox provides.
 */
import { createHash } from 'node:crypto';
import type { BuiltInitrd } from './build-initrd.js';

export interface ManifestEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'char';
  mode: string;
  size: number;
  sha256?: string;
  /** Symlink target. */
  target?: string;
  source: string;
  why?: string;
}

export interface Manifest {
  release: string;
  compression: string;
  profiles: string[];
  imageSize: number;
  imageSha256: string;
  microcode: { name: string; source: string; size: number; sha256: string }[];
  skipped: { name: string; profile: string; reason: string }[];
  builtin: { name: string; why: string }[];
  /** The busybox applets the /init runs, and the ones the packed busybox provides (its applet table). */
  applets: { needed: string[]; busybox: string; provided: string[] };
  entries: ManifestEntry[];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function buildManifest(built: BuiltInitrd): Manifest {
  return {
    release: built.release,
    compression: built.compression,
    profiles: built.profiles.map((profile) => profile.name),
    imageSize: built.bytes.length,
    imageSha256: sha256(built.bytes),
    microcode: built.microcode.map((file) => ({
      name: file.name,
      source: file.source,
      size: file.data.length,
      sha256: sha256(file.data),
    })),
    skipped: built.chain.skipped.map(({ name, profile, reason }) => ({ name, profile, reason })),
    builtin: built.chain.modules.filter((m) => m.kind === 'builtin').map((m) => ({ name: m.name, why: m.reason })),
    applets: {
      needed: built.plan.applets,
      busybox: built.plan.paths.find((path) => path.path === 'bin/busybox')?.source ?? '',
      provided: built.plan.busyboxApplets,
    },
    entries: [...built.plan.paths]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((path) => ({
        path: `/${path.path}`,
        type: path.kind,
        mode: (path.mode & 0o7777).toString(8).padStart(4, '0'),
        size: path.kind === 'file' ? (path.data?.length ?? 0) : 0,
        ...(path.kind === 'file' ? { sha256: sha256(path.data ?? new Uint8Array(0)) } : {}),
        ...(path.kind === 'symlink' ? { target: new TextDecoder().decode(path.data) } : {}),
        source: path.source,
        ...(path.why === undefined ? {} : { why: path.why }),
      })),
  };
}
