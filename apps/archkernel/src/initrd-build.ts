/**
 * Patching the provider's initrd: open it (uImage data CRC checked, gzip inflated as a stream, only
 * /init and modules.dep kept in memory), plan the edit with @initkit/initramfs (the module closure
 * under lib/modules/<release>/ with modules.dep, /init wrapped to insmod them and then source
 * /init.scw, an insmod link when the provider has none), and write it in append mode: the provider's
 * bytes untouched, one small gzip member after them, no uImage header (kexec hands the initrd to the
 * kernel as is). Then read the written file back and check it holds what was planned.
 */
import { readFileSync } from 'node:fs';
import { S_IFMT, S_IFREG } from '@initkit/cpio';
import {
  dataNeededForEdit,
  type EditPlan,
  type EditRequest,
  type Initrd,
  outputChunks,
  planEdit,
  writeInitrd,
} from '@initkit/initramfs';
import { openInitrd, openInitrdFile } from '@initkit/initramfs/node';
import { ModuleDatabase } from '@initkit/kmod';
import { appError } from './errors.js';
import type { ModuleFacts } from './facts.js';
import { ORIGINAL_INIT } from './plan.js';

/** Where a busybox initrd may have insmod; when none is there the wrapper gets a link to busybox. */
const INSMOD_PATHS = ['sbin/insmod', 'bin/insmod', 'usr/sbin/insmod', 'usr/bin/insmod'];
const BUSYBOX_PATHS = ['bin/busybox', 'usr/bin/busybox', 'sbin/busybox'];

export interface BuiltInitrd {
  initrd: Initrd;
  plan: EditPlan;
  /** The output, in order; the provider's bytes as a payload range. */
  chunks: () => Iterable<Uint8Array>;
  length: number;
  memberLength: number;
  addedInsmodLink: string | undefined;
  provider: { size: number; payloadLength: number; compressions: string[]; uImageName: string | undefined };
}

export interface BuildOptions {
  /** The fetched provider initrd (uImage or bare). */
  provider: Uint8Array;
  modules: ModuleFacts;
  /** The module directory on disk (root prefix applied). */
  moduleRoot: string;
  onProgress?: (done: number, total: number) => void;
  mtime?: number;
}

export async function buildInitrd(options: BuildOptions): Promise<BuiltInitrd> {
  const { modules } = options;
  const files = new Map<string, Uint8Array>();
  for (const name of ['modules.dep', 'modules.softdep', 'modules.builtin']) {
    try {
      files.set(name, readFileSync(`${options.moduleRoot}/${name}`));
    } catch {
      // modules.dep was checked when the facts were read; the others are optional.
    }
  }
  const request: EditRequest = {
    modules: {
      release: modules.release,
      database: new ModuleDatabase(files),
      readModule: (path) => readFileSync(`${options.moduleRoot}/${path}`),
      names: modules.closure.map((module) => module.name),
      decompress: modules.decompress,
    },
    wrapInit: { originalName: ORIGINAL_INIT, handover: 'source' },
    mtime: options.mtime,
  };
  const initrd = await openInitrd(options.provider, {
    keepData: dataNeededForEdit(request),
    onProgress: options.onProgress,
  });
  const tree = initrd.tree;
  let addedInsmodLink: string | undefined;
  if (!INSMOD_PATHS.some((path) => tree.lookup(path))) {
    const busybox = BUSYBOX_PATHS.find((path) => {
      const node = tree.lookup(path);
      return node !== undefined && (node.inode.mode & S_IFMT) === S_IFREG;
    });
    if (busybox) {
      addedInsmodLink = 'sbin/insmod';
      request.add = [{ path: addedInsmodLink, symlink: `/${busybox}` }];
    }
  }
  // The provider's uImage header says which machine its initrd is for; without it, its busybox does.
  const plan = planEdit(tree, { ...request, uImageArch: initrd.wrapper?.arch });
  const written = writeInitrd(initrd, plan, { mode: 'append', compression: 'gzip', level: 9 });
  // The first part is the uImage header when the provider's initrd had one: kexec wants the bare initrd.
  const parts = initrd.wrapper ? written.parts.slice(1) : written.parts;
  const length = initrd.wrapper ? written.length - 64 : written.length;
  return {
    initrd,
    plan,
    chunks: () => outputChunks(initrd, parts),
    length,
    memberLength: written.memberLength,
    addedInsmodLink,
    provider: {
      size: initrd.size,
      payloadLength: initrd.payloadLength,
      compressions: initrd.members.map((member) => member.compression),
      uImageName: initrd.wrapper?.name,
    },
  };
}

/**
 * Reads the written initrd back as the kernel would and checks that /init is the wrapper, the original
 * is at /init.scw, and every planned module and file is there with the planned bytes.
 */
export async function verifyInitrd(path: string, plan: EditPlan): Promise<{ entries: number; members: number }> {
  const planned = new Map(plan.entries.map((entry) => [entry.path, entry]));
  const reread = await openInitrdFile(path, { keepData: (entryPath) => planned.has(entryPath) });
  if (reread.wrapper)
    throw appError('ARCHKERNEL_VERIFY_FAILED', `${path} has a uImage header; kexec needs the bare initrd`);
  for (const [entryPath, entry] of planned) {
    const node = reread.tree.node(entryPath);
    if (!node) throw appError('ARCHKERNEL_VERIFY_FAILED', `${path}: /${entryPath} is missing after the rebuild`);
    if (node.inode.mode !== entry.mode) {
      throw appError(
        'ARCHKERNEL_VERIFY_FAILED',
        `${path}: /${entryPath} has mode ${node.inode.mode.toString(8)}, planned ${entry.mode.toString(8)}`,
      );
    }
    const data = node.inode.data ?? new Uint8Array(0);
    if (data.length !== entry.data.length || !data.every((byte, index) => byte === entry.data[index])) {
      throw appError('ARCHKERNEL_VERIFY_FAILED', `${path}: /${entryPath} differs from the planned contents`);
    }
  }
  if (!reread.tree.node(ORIGINAL_INIT)) {
    throw appError('ARCHKERNEL_VERIFY_FAILED', `${path}: /${ORIGINAL_INIT} (the provider's /init) is missing`);
  }
  return { entries: planned.size, members: reread.members.length };
}
