/**
 * Reading the system: each function reads one thing under the root prefix and returns plain data for
 * the planner. Local facts come first (they decide whether anything else is read); the network facts
 * (metadata, boot script) and the kernel's and modules' facts follow.
 */
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, unwrapScriptImage } from '@initkit/bootscript';
import { kernelRelease, ModuleDatabase, resolveModules } from '@initkit/kmod';
import { type TftpGetOptions, tftpGet } from '@initkit/tftp';
import { type BootLoopState, readState } from './boot-loop.js';
import { type BootServerChoice, chooseBootServer } from './boot-server.js';
import { type CacheRecord, readCacheRecord, sha256 } from './cache.js';
import type { Config } from './config.js';
import { appError } from './errors.js';
import { EXITRD_KEXEC_PATHS, type ExitrdFacts } from './exitrd.js';
import { youngCollectionEvery } from './memory.js';
import { KERNEL_FILES, type SystemPaths } from './paths.js';
import { type ReleaseRecord, readReleaseRecord, recordedRelease } from './release-record.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface LocalFacts {
  cmdline: string;
  /** The effective user id (0 for root). */
  uid: number;
  /** The VALUE of kexec_load_disabled ("0" or "1"), or undefined when the file does not exist. */
  kexecLoadDisabled: string | undefined;
  exitrd: ExitrdFacts;
  state: BootLoopState;
}

export function readLocalFacts(paths: SystemPaths, config: Config): LocalFacts {
  const cmdline = readText(paths.at(KERNEL_FILES.cmdline));
  if (cmdline === undefined) throw appError('ARCHKERNEL_NO_KERNEL', `cannot read ${paths.at(KERNEL_FILES.cmdline)}`);
  const exitrdDir = paths.at(KERNEL_FILES.exitrd);
  const shutdownPath = join(exitrdDir, 'shutdown');
  return {
    cmdline: cmdline.trim(),
    uid: process.getuid?.() ?? 0,
    kexecLoadDisabled: readText(paths.at(KERNEL_FILES.kexecLoadDisabled))?.trim(),
    exitrd: {
      shutdown: readText(shutdownPath),
      executable: isExecutable(shutdownPath),
      kexecBinary: EXITRD_KEXEC_PATHS.find((path) => isExecutable(join(exitrdDir, path))),
    },
    state: readState(paths.at(config.files.state)),
  };
}

export function readBootServer(paths: SystemPaths, config: Config): BootServerChoice {
  const leaseDir = paths.at(KERNEL_FILES.networkdLeases);
  let leases: { path: string; text: string }[] = [];
  try {
    leases = readdirSync(leaseDir)
      .sort()
      .map((name) => ({ path: join(KERNEL_FILES.networkdLeases, name), text: readText(join(leaseDir, name)) ?? '' }));
  } catch {
    // No networkd: no leases.
  }
  return chooseBootServer({
    pnp: readText(paths.at(KERNEL_FILES.pnp)),
    leases,
    configured: config.boot_server.address,
    fallback: config.boot_server.fallback,
  });
}

/**
 * Blocks per acknowledgement asked for (RFC 7440). A server that supports windowsize may lower it
 * (initkit's grants up to 64), one that does not (tftp-hpa) leaves the transfer lock-step as before, and
 * the client lowers it to what its socket buffer holds. A 4.8 MiB initrd in 1468-byte blocks is 214
 * round trips in windows of 16 (the client's default), 54 in windows of 64: under emulation (the C1
 * rig) each round trip costs tens of milliseconds.
 */
const WINDOWSIZE = 64;

/** TFTP options from the configuration (retries, timeouts, deadline). */
export function tftpOptions(config: Config, host: string, file: string): TftpGetOptions {
  return {
    host,
    port: config.boot_server.port,
    file,
    windowsize: WINDOWSIZE,
    timeout: config.boot_server.timeout_ms,
    retries: config.boot_server.retries,
    deadline: config.boot_server.deadline_ms,
  };
}

export async function fetchFile(options: TftpGetOptions, what: string): Promise<Uint8Array> {
  try {
    return (await tftpGet(options)).data;
  } catch (error) {
    throw appError(
      'ARCHKERNEL_FETCH_FAILED',
      `cannot fetch ${what} ${options.file} from ${options.host}:${options.port ?? 69}: ${(error as Error).message}`,
      error,
    );
  }
}

export interface ScriptFacts {
  server: string;
  file: string;
  size: number;
  sha256: string;
  /** The script image's name (mkimage -n). */
  name: string;
  /** What the evaluated script loads and boots. */
  initrd: string | null;
  kernel: string | null;
  dtb: string | null;
  bootargs: string | null;
  bootCommand: string | null;
  warnings: string[];
}

/** Verifies the script image (magic, header and data CRCs) and evaluates it as U-Boot would. */
export function evaluateScript(bytes: Uint8Array, server: string, file: string): ScriptFacts {
  const image = unwrapScriptImage(bytes);
  const plan = evaluate(image.text, { network: { serverip: server } });
  const initrd = plan.boot?.initrd?.file ?? null;
  return {
    server,
    file,
    size: bytes.length,
    sha256: sha256(bytes),
    name: image.header.name,
    initrd,
    kernel: plan.boot?.kernel?.file ?? null,
    dtb: plan.boot?.fdt?.file ?? null,
    bootargs: plan.bootargs,
    bootCommand: plan.boot?.command ?? null,
    warnings: plan.warnings,
  };
}

export interface KernelFacts {
  /** System path. */
  image: string;
  size: number;
  sha256: string;
  release: string;
  /**
   * 'image' when read from the image now, 'cache' when the image's hash matched the cache record,
   * 'release-record' when it matched the record `prepare` wrote when the kernel was installed.
   */
  releaseFrom: 'image' | 'cache' | 'release-record';
}

/** Kernel bytes decoded between two young-generation collections while its release is read (memory.ts). */
const COLLECT_EVERY = 1 << 20;

export function readKernelFacts(
  paths: SystemPaths,
  config: Config,
  record: CacheRecord | undefined,
  /** The record `prepare` wrote; read from the configured path when not given (and only on a cache miss). */
  releaseRecord?: ReleaseRecord,
): KernelFacts {
  const path = paths.at(config.kernel.image);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw appError(
      'ARCHKERNEL_NO_KERNEL',
      `cannot read the distribution kernel ${path}: ${(error as Error).message}`,
      error,
    );
  }
  const hash = sha256(bytes);
  // Decompressing a zImage to find its banner costs more than the rest of a cached run: reuse the
  // release recorded for this exact image.
  if (record && record.input.kernelSha256 === hash) {
    return {
      image: config.kernel.image,
      size: bytes.length,
      sha256: hash,
      release: record.input.release,
      releaseFrom: 'cache',
    };
  }
  const recorded = recordedRelease(releaseRecord ?? readReleaseRecord(paths.at(config.files.release_record)), {
    size: bytes.length,
    sha256: hash,
  });
  if (recorded !== undefined) {
    return {
      image: config.kernel.image,
      size: bytes.length,
      sha256: hash,
      release: recorded,
      releaseFrom: 'release-record',
    };
  }
  let release: string;
  try {
    release = kernelRelease(bytes, { onDecoded: youngCollectionEvery(COLLECT_EVERY) });
  } catch (error) {
    throw appError('ARCHKERNEL_NO_KERNEL', `${path}: ${(error as Error).message}`, error);
  }
  return { image: config.kernel.image, size: bytes.length, sha256: hash, release, releaseFrom: 'image' };
}

export interface ModuleFacts {
  release: string;
  /** System path of lib/modules/<release>. */
  directory: string;
  required: string[];
  optionalFound: string[];
  optionalMissing: string[];
  /** Names built into the kernel (nothing to load). */
  builtin: string[];
  /** The closure in load order: module name and path relative to the module directory. */
  closure: { name: string; path: string }[];
  modulesDepSha256: string;
  /** Whether the provider's insmod is busybox (it may not load compressed modules). */
  decompress: boolean;
  decompressReason: string;
}

/** Reads modules.dep (and softdep, builtin) and resolves the closure of the configured modules. */
export function readModuleFacts(paths: SystemPaths, config: Config, release: string): ModuleFacts {
  const directory = `${config.kernel.modules_dir}/${release}`;
  const root = paths.at(directory);
  const files = new Map<string, Uint8Array>();
  for (const name of ['modules.dep', 'modules.softdep', 'modules.builtin']) {
    try {
      files.set(name, readFileSync(join(root, name)));
    } catch {
      // Optional except modules.dep, checked below.
    }
  }
  const dep = files.get('modules.dep');
  if (!dep) {
    throw appError(
      'ARCHKERNEL_NO_MODULES',
      `${root}/modules.dep is missing: the module tree of ${release} is not installed or depmod has not run`,
    );
  }
  const database = new ModuleDatabase(files);
  const missing = config.kernel.modules.filter((name) => database.lookup(name).length === 0);
  if (missing.length > 0) {
    throw appError(
      'ARCHKERNEL_NO_MODULES',
      `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} neither in ${root}/modules.dep nor built into ${release}`,
    );
  }
  const optionalFound = config.kernel.optional_modules.filter((name) => database.lookup(name).length > 0);
  const optionalMissing = config.kernel.optional_modules.filter((name) => !optionalFound.includes(name));
  const steps = resolveModules(database, [...config.kernel.modules, ...optionalFound]);
  const closure: { name: string; path: string }[] = [];
  const builtin: string[] = [];
  for (const step of steps) {
    if (step.kind === 'builtin') builtin.push(step.name);
    else closure.push({ name: step.name, path: step.path });
  }
  const setting = config.kernel.decompress_modules;
  const compressed = closure.some((module) => /\.ko\.(gz|xz|zst)$/.test(module.path));
  const decompress = setting === 'always' || (setting === 'auto' && compressed);
  return {
    release,
    directory,
    required: config.kernel.modules,
    optionalFound,
    optionalMissing,
    builtin,
    closure,
    modulesDepSha256: sha256(dep),
    decompress,
    decompressReason:
      setting !== 'auto'
        ? `decompress_modules = "${setting}"`
        : compressed
          ? 'compressed modules stored decompressed: busybox insmod has no zstd and may lack gzip and xz'
          : 'the modules are not compressed',
  };
}

export function readCache(paths: SystemPaths, config: Config): CacheRecord | undefined {
  return readCacheRecord(paths.at(config.files.cache_record));
}

/**
 * Room to leave after the fetched provider initrd for the member the build appends: twice the closure's
 * module files (a decompressed module gzips to less than that) plus 1 MiB for the rest. Only the pages
 * the member fills become resident; too little room costs one copy of the initrd, never correctness.
 */
export function spareForMember(paths: SystemPaths, modules: ModuleFacts): number {
  let bytes = 1 << 20;
  for (const module of modules.closure) {
    try {
      bytes += 2 * statSync(paths.at(`${modules.directory}/${module.path}`)).size;
    } catch {
      // A missing module fails the build with its own message.
    }
  }
  return bytes;
}
