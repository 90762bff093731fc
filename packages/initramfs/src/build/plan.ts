/**
 * The build plan: every path the new initrd will hold (the /init, busybox and its applet links, the
 * resolved modules with their modules.dep, added binaries, libraries and files), each with where it
 * came from and, for modules, why it is there. Pure data computed from bytes already read; the ELF
 * machine of every module and binary is checked against the kernel's here.
 */
import { decompressModule, formatModulesDep, type ModuleDatabase, uncompressedModulePath } from '@initkit/kmod';
import { initramfsError } from '../errors.js';
import { missingApplets, readBusyboxApplets } from './busybox-applets.js';
import { isElfFile, machineName, readElfInfo } from './elf-info.js';
import { initApplets, initScript, UDHCPC_SCRIPT } from './init-script.js';
import type { InitFeature, Profile } from './profile.js';
import type { ResolvedChain } from './resolve-profile.js';

export type PlannedPathKind = 'file' | 'directory' | 'symlink' | 'char';

export interface PlannedPath {
  /** Path in the initrd, without a leading slash. */
  path: string;
  kind: PlannedPathKind;
  /** Permission bits. */
  mode: number;
  /** Contents (files), target (symlinks). */
  data?: Uint8Array;
  /** Device numbers (char). */
  rdev?: [number, number];
  /** Where it came from: a host path, a module path, or "generated". */
  source: string;
  /** Why a module is there. */
  why?: string;
}

/** A file read by the caller, with where it came from. */
export interface SourceFile {
  /** Path in the initrd. */
  path: string;
  data: Uint8Array;
  mode: number;
  source: string;
}

export interface BuildInputs {
  release: string;
  profiles: readonly Profile[];
  chain: ResolvedChain;
  database: ModuleDatabase;
  /** Reads a module by its path relative to the module directory. */
  readModule: (path: string) => Uint8Array;
  busybox: SourceFile;
  /** Binaries and their libraries (--add-binary), already resolved. */
  binaries?: readonly SourceFile[];
  /** --add-file. */
  files?: readonly SourceFile[];
  /** The kernel's ELF machine (from its config); else the first module's. */
  machine?: number;
  /** Seconds /init waits for the root device by default. */
  rootWaitSeconds?: number;
}

export interface BuildPlan {
  release: string;
  machine: number | undefined;
  features: InitFeature[];
  /** The busybox applets the /init runs (each a /bin link to busybox). */
  applets: string[];
  /** The applets the packed busybox provides (read from its applet table). */
  busyboxApplets: string[];
  paths: PlannedPath[];
}

const encoder = new TextEncoder();
const BASE_DIRECTORIES = ['bin', 'dev', 'etc', 'lib', 'proc', 'root', 'run', 'sbin', 'sys', 'tmp', 'usr'];

export function planBuild(inputs: BuildInputs): BuildPlan {
  const paths = new Map<string, PlannedPath>();
  const put = (entry: PlannedPath) => {
    const path = entry.path.replace(/^\/+/, '');
    if (path === '' || path.split('/').includes('..')) {
      throw initramfsError('INITRAMFS_BAD_PATH', `${JSON.stringify(entry.path)} is not a path inside the initrd`);
    }
    for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
      const parent = path.slice(0, slash);
      if (!paths.has(parent)) paths.set(parent, { path: parent, kind: 'directory', mode: 0o755, source: 'generated' });
    }
    paths.set(path, { ...entry, path });
  };
  for (const directory of BASE_DIRECTORIES)
    put({ path: directory, kind: 'directory', mode: 0o755, source: 'generated' });
  put({ path: 'dev/console', kind: 'char', mode: 0o600, rdev: [5, 1], source: 'generated' });

  let machine = inputs.machine;
  const checkMachine = (data: Uint8Array, what: string) => {
    const info = readElfInfo(data, what);
    machine ??= info.machine;
    if (info.machine !== machine) {
      throw initramfsError(
        'INITRAMFS_WRONG_MACHINE',
        `${what} is built for ${machineName(info.machine)}, but the kernel is ${machineName(machine)}`,
      );
    }
  };

  const moduleRoot = `lib/modules/${inputs.release}`;
  const loadOrder: string[] = [];
  const renamed = new Map<string, string>();
  for (const module of inputs.chain.modules) {
    if (module.kind !== 'insmod' || module.path === undefined) continue;
    const raw = inputs.readModule(module.path);
    // busybox insmod cannot decompress (zstd at all): modules are stored as plain .ko.
    const { bytes } = decompressModule(raw);
    const path = uncompressedModulePath(module.path);
    checkMachine(bytes, `module ${module.name} (${module.path})`);
    renamed.set(module.path, path);
    loadOrder.push(path);
    put({
      path: `${moduleRoot}/${path}`,
      kind: 'file',
      mode: 0o644,
      data: bytes,
      source: module.path,
      why: module.reason,
    });
  }
  const depLines = inputs.chain.modules.flatMap((module) => {
    if (module.kind !== 'insmod' || module.path === undefined) return [];
    const dependencies = inputs.database.module(module.name)?.dependencies ?? [];
    return [
      {
        name: module.name,
        path: renamed.get(module.path)!,
        dependencies: dependencies.map((p) => renamed.get(p) ?? uncompressedModulePath(p)),
      },
    ];
  });
  put({
    path: `${moduleRoot}/modules.dep`,
    kind: 'file',
    mode: 0o644,
    data: encoder.encode(formatModulesDep(depLines)),
    source: 'generated',
  });
  const builtins = inputs.chain.modules.filter((m) => m.kind === 'builtin').map((m) => `kernel/${m.name}.ko\n`);
  put({
    path: `${moduleRoot}/modules.builtin`,
    kind: 'file',
    mode: 0o644,
    data: encoder.encode(builtins.join('')),
    source: 'generated',
  });

  checkMachine(inputs.busybox.data, `busybox (${inputs.busybox.source})`);
  const features = [...new Set(inputs.profiles.flatMap((profile) => profile.features))];
  const applets = initApplets(features);
  const busyboxApplets = readBusyboxApplets(inputs.busybox.data, inputs.busybox.source);
  const missing = missingApplets(busyboxApplets, applets);
  if (missing.length > 0) {
    throw initramfsError(
      'INITRAMFS_BAD_BUSYBOX',
      `this busybox lacks the applet${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, which the /init runs ` +
        `(expected all of ${applets.join(' ')}; found ${busyboxApplets.length} applets${busyboxApplets.length <= 40 ? `: ${busyboxApplets.join(' ')}` : ''})`,
      { source: inputs.busybox.source },
    );
  }
  put({ path: 'bin/busybox', kind: 'file', mode: 0o755, data: inputs.busybox.data, source: inputs.busybox.source });
  for (const applet of applets) {
    put({ path: `bin/${applet}`, kind: 'symlink', mode: 0o777, data: encoder.encode('busybox'), source: 'generated' });
  }

  for (const binary of inputs.binaries ?? []) {
    if (isElfFile(binary.data)) checkMachine(binary.data, `${binary.source}`);
    put({ ...binary, kind: 'file' });
  }
  for (const file of inputs.files ?? []) put({ ...file, kind: 'file' });

  if (features.includes('network'))
    put({
      path: 'etc/initkit/udhcpc',
      kind: 'file',
      mode: 0o755,
      data: encoder.encode(UDHCPC_SCRIPT),
      source: 'generated',
    });
  const filesystem = inputs.profiles.find((profile) => profile.filesystem !== undefined)?.filesystem;
  const init = initScript({
    release: inputs.release,
    modules: loadOrder,
    features,
    ...(filesystem === undefined ? {} : { defaultFilesystem: filesystem }),
    ...(inputs.rootWaitSeconds === undefined ? {} : { rootWaitSeconds: inputs.rootWaitSeconds }),
    profiles: inputs.profiles.map((profile) => profile.name),
  });
  put({ path: 'init', kind: 'file', mode: 0o755, data: encoder.encode(init), source: 'generated' });
  return { release: inputs.release, machine, features, applets, busyboxApplets, paths: [...paths.values()] };
}
