/**
 * Planning an edit: from an opened initrd's tree and a request (files to add or replace, paths to
 * remove, modules to add, /init to wrap), the cpio entries that carry the change and the tree that
 * results. The entries use canonical paths (resolved through the tree's symlinks, so a usr-merged
 * initrd's lib -> usr/lib stays a symlink) and create missing parent directories. Pure: the input
 * tree is not touched.
 */
import { encodeUtf8 } from '@initkit/core';
import {
  type CpioEntryType,
  entryType,
  normalizeCpioPath,
  parentPath,
  ROOT_NAME,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
} from '@initkit/cpio';
import { initramfsError } from './errors.js';
import { checkMachines, MODULE_PATH } from './machine.js';
import type { KeepData } from './member.js';
import { type ModulePlan, type ModuleRequest, mergedModulesDep, modulesDepIndex, planModules } from './modules.js';
import { EDIT_MEMBER, type MergedTree, type TreeEntryInput } from './tree.js';
import { type Handover, isInitkitWrapper, isShellScript, wrappedModules, wrapperScript } from './wrap-init.js';

/** A file, directory or symlink to put into the initrd. */
export type AddItem =
  | { path: string; data: Uint8Array | string; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { path: string; type: 'directory'; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { path: string; symlink: string; uid?: number; gid?: number; mtime?: number };

export interface WrapInitOptions {
  /** Where the original /init goes (default "init.orig"). */
  originalName?: string;
  /** How the wrapper hands over (default 'auto': source a shell script, exec anything else). */
  handover?: Handover;
}

export interface EditRequest {
  add?: readonly AddItem[];
  /** Paths to remove (directories with everything under them). Only a full rewrite can remove. */
  remove?: readonly string[];
  modules?: ModuleRequest;
  /** Install a wrapper /init that loads `modules` and hands over to the original. */
  wrapInit?: boolean | WrapInitOptions;
  /** mtime of new entries (default: now). */
  mtime?: number;
  /**
   * The architecture (IH_ARCH) of the uImage around the initrd (`initrd.wrapper?.arch`): with no module
   * in the initrd, it tells the machine that added modules and ELF files must match.
   */
  uImageArch?: number;
  /** Add modules and ELF files even when their machine differs from the initrd's (machine.ts). */
  force?: boolean;
}

/** An entry of the change, in the order it is written. */
export type ChangeEntry = TreeEntryInput & { data: Uint8Array };

export interface EditPlan {
  /** Entries carrying the additions, in order (directories before what they hold). */
  entries: ChangeEntry[];
  /** Canonical paths removed (everything under removed directories included). */
  removed: string[];
  modules: ModulePlan | undefined;
  /** The path the original /init was kept under, when /init was wrapped. */
  originalInit: string | undefined;
  /** The tree after the edit. */
  tree: MergedTree;
}

const EMPTY = new Uint8Array(0);

function changeEntry(path: string, mode: number, data: Uint8Array, mtime: number, uid = 0, gid = 0): ChangeEntry {
  return {
    path,
    mode,
    uid,
    gid,
    mtime,
    ino: 0,
    nlink: (mode & S_IFMT) === S_IFDIR ? 2 : 1,
    devMajor: 0,
    devMinor: 0,
    rdevMajor: 0,
    rdevMinor: 0,
    size: data.length,
    data,
  };
}

function userPath(path: string): string {
  try {
    return normalizeCpioPath(path);
  } catch (error) {
    throw initramfsError('INITRAMFS_BAD_PATH', `cannot use ${JSON.stringify(path)} as a path in the initrd`, {
      cause: error,
    });
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function join(directory: string, name: string): string {
  return directory === ROOT_NAME ? name : `${directory}/${name}`;
}

/** Collects the change entries and applies each to the working tree as the kernel would. */
class ChangeBuilder {
  readonly entries: ChangeEntry[] = [];
  constructor(
    readonly tree: MergedTree,
    readonly mtime: number,
  ) {
    tree.startArchive();
  }

  push(entry: ChangeEntry): void {
    this.entries.push(entry);
    this.tree.apply(entry, EDIT_MEMBER);
  }

  /** The canonical path of a directory, creating it (and its parents) in the change when missing. */
  directory(path: string): string {
    if (path === ROOT_NAME) return ROOT_NAME;
    const node = this.tree.lookup(path);
    if (node) {
      if ((node.inode.mode & S_IFMT) !== S_IFDIR) {
        throw initramfsError(
          'INITRAMFS_NOT_A_DIRECTORY',
          `cannot put anything under ${path}: it is a ${entryType(node.inode.mode)} in the initrd`,
        );
      }
      return node.path;
    }
    const unresolved = this.tree.resolve(path, false);
    if (unresolved !== undefined && this.tree.node(unresolved)) {
      throw initramfsError('INITRAMFS_NOT_A_DIRECTORY', `cannot create directory ${path}: it is a dangling symlink`);
    }
    const parent = this.directory(parentPath(path));
    const canonical = join(parent, baseName(path));
    this.push(changeEntry(canonical, S_IFDIR | 0o755, EMPTY, this.mtime));
    return canonical;
  }

  /** The canonical path for a new leaf at `path` (its parent created if needed). */
  leaf(path: string, type: CpioEntryType): string {
    const canonical = join(this.directory(parentPath(path)), baseName(path));
    const existing = this.tree.node(canonical);
    if (existing && (existing.inode.mode & S_IFMT) === S_IFDIR && type !== 'directory') {
      throw initramfsError(
        'INITRAMFS_IS_A_DIRECTORY',
        `cannot put a ${type} at ${path}: a directory is there (remove it first, in full mode)`,
      );
    }
    return canonical;
  }

  add(item: AddItem): void {
    const path = userPath(item.path);
    if (path === ROOT_NAME) throw initramfsError('INITRAMFS_BAD_PATH', 'cannot replace the root directory');
    const mtime = item.mtime ?? this.mtime;
    if ('symlink' in item) {
      const canonical = this.leaf(path, 'symlink');
      this.push(changeEntry(canonical, S_IFLNK | 0o777, encodeUtf8(item.symlink), mtime, item.uid, item.gid));
    } else if ('type' in item) {
      const canonical = this.leaf(path, 'directory');
      this.push(changeEntry(canonical, S_IFDIR | ((item.mode ?? 0o755) & 0o7777), EMPTY, mtime, item.uid, item.gid));
    } else {
      const data = typeof item.data === 'string' ? encodeUtf8(item.data) : item.data;
      const canonical = this.leaf(path, 'file');
      this.push(changeEntry(canonical, S_IFREG | ((item.mode ?? 0o644) & 0o7777), data, mtime, item.uid, item.gid));
    }
  }
}

/** Plans an edit of the tree (which is cloned, never changed). */
export function planEdit(tree: MergedTree, request: EditRequest): EditPlan {
  const working = tree.clone();
  const removed: string[] = [];
  for (const path of request.remove ?? []) {
    const normalized = userPath(path);
    const canonical = working.resolve(normalized, false);
    if (canonical === undefined || !working.node(canonical)) {
      throw initramfsError('INITRAMFS_NOT_FOUND', `cannot remove ${path}: no such path in the initrd`);
    }
    if (canonical === ROOT_NAME) throw initramfsError('INITRAMFS_BAD_PATH', 'cannot remove the root directory');
    removed.push(...working.removeRecursive(canonical));
  }

  const changes = new ChangeBuilder(working, request.mtime ?? Math.floor(Date.now() / 1000));
  for (const item of request.add ?? []) changes.add(item);

  let modules: ModulePlan | undefined;
  if (!request.modules && !request.force) checkMachines(tree, [], elfFilesAdded(request.add), request.uImageArch);
  if (request.modules) {
    modules = planModules(request.modules);
    if (!request.modules.force && !request.force) {
      checkMachines(tree, modules.modules, elfFilesAdded(request.add), request.uImageArch);
    }
    const base = `lib/modules/${modules.release}`;
    for (const module of modules.modules) {
      // A module already there (same path, same size) is not added again: appending would only copy it.
      const present = working.lookup(`${base}/${module.path}`);
      if (present && (present.inode.mode & S_IFMT) === S_IFREG && present.inode.size === module.data.length) continue;
      changes.add({ path: `${base}/${module.path}`, data: module.data, mode: 0o644 });
    }
    const existingDep = working.lookup(`${base}/modules.dep`);
    if (existingDep && existingDep.inode.data === undefined && existingDep.inode.size > 0) {
      throw initramfsError('INITRAMFS_DATA_NOT_KEPT', `the contents of ${existingDep.path} were not read`);
    }
    const existingText = existingDep?.inode.data ? new TextDecoder().decode(existingDep.inode.data) : undefined;
    const modulesDep = mergedModulesDep(modules, request.modules.database, existingText);
    if (modulesDep !== existingText) {
      changes.add({ path: `${base}/modules.dep`, data: modulesDep, mode: 0o644 });
      changes.add({ path: `${base}/modules.dep.bin`, data: modulesDepIndex(modulesDep), mode: 0o644 });
    }
  }

  let originalInit: string | undefined;
  if (request.wrapInit) {
    const options = request.wrapInit === true ? {} : request.wrapInit;
    const loadPaths = (modules?.modules ?? []).map((module) => `/lib/modules/${modules!.release}/${module.path}`);
    originalInit = wrapInit(changes, loadPaths, options);
  }

  return { entries: changes.entries, removed, modules, originalInit, tree: working };
}

/** Keeps /init under another name and installs the wrapper; a second wrap only rewrites the wrapper. */
function wrapInit(changes: ChangeBuilder, modules: readonly string[], options: WrapInitOptions): string {
  const tree = changes.tree;
  const originalName = userPath(options.originalName ?? 'init.orig');
  const init = tree.node('init');
  if (!init) throw initramfsError('INITRAMFS_NO_INIT', 'the initrd has no /init to wrap');
  const initType = init.inode.mode & S_IFMT;
  if (initType !== S_IFREG && initType !== S_IFLNK) {
    throw initramfsError('INITRAMFS_NO_INIT', `/init is a ${entryType(init.inode.mode)}, not a file or symlink`);
  }
  if (init.inode.data === undefined && init.inode.size > 0) {
    throw initramfsError('INITRAMFS_DATA_NOT_KEPT', 'the contents of /init were not read');
  }
  const shell = tree.lookup('bin/sh');
  if (!shell || (shell.inode.mode & S_IFMT) !== S_IFREG) {
    throw initramfsError('INITRAMFS_NO_SHELL', 'the initrd has no /bin/sh to run a wrapper /init');
  }
  let originalPath: string;
  let loads = modules;
  if (isInitkitWrapper(init.inode.data)) {
    // Already wrapped: keep the original where it is and only rewrite the wrapper, which goes on loading
    // what the earlier one loaded (first: they never needed the new ones), then the new modules.
    const earlier = wrappedModules(init.inode.data!);
    loads = [...earlier, ...modules.filter((module) => !earlier.includes(module))];
    const kept = tree.resolve(originalName, false);
    if (kept === undefined || !tree.node(kept)) {
      throw initramfsError('INITRAMFS_NO_INIT', `/init is an initkit wrapper but /${originalName} is missing`);
    }
    originalPath = kept;
  } else {
    // The original keeps its type: a script or binary is copied, a symlink (dracut's systemd) relinked.
    const isLink = initType === S_IFLNK;
    originalPath = changes.leaf(originalName, isLink ? 'symlink' : 'file');
    const { mode, mtime, uid, gid } = init.inode;
    changes.push(
      changeEntry(originalPath, isLink ? S_IFLNK | 0o777 : mode, init.inode.data ?? new Uint8Array(0), mtime, uid, gid),
    );
  }
  const target = tree.lookup(originalPath);
  const handover =
    (options.handover ?? 'auto') === 'auto'
      ? isShellScript(target?.inode.data)
        ? 'source'
        : 'exec'
      : (options.handover as 'source' | 'exec');
  const script = encodeUtf8(wrapperScript({ modules: loads, original: `/${originalPath}`, handover }));
  const current = init.inode.data;
  const unchanged =
    current !== undefined && current.length === script.length && current.every((b, i) => b === script[i]);
  if (!unchanged) changes.push(changeEntry('init', S_IFREG | 0o755, script, changes.mtime));
  return originalPath;
}

/**
 * The files whose contents an edit reads from the original (for readers that keep only some data):
 * /init and its kept original for wrapping, and modules.dep files for merging.
 */
/** The files an edit adds as bytes (checkMachines looks at those that are ELF). */
function elfFilesAdded(add: EditRequest['add']): { path: string; data: Uint8Array }[] {
  const files: { path: string; data: Uint8Array }[] = [];
  for (const item of add ?? []) {
    if ('data' in item && typeof item.data !== 'string') files.push({ path: item.path, data: item.data });
  }
  return files;
}

export function dataNeededForEdit(request: Pick<EditRequest, 'wrapInit' | 'modules'>): KeepData {
  const originalName =
    request.wrapInit && request.wrapInit !== true && request.wrapInit.originalName !== undefined
      ? normalizeCpioPath(request.wrapInit.originalName)
      : 'init.orig';
  let moduleKept = false;
  return (path) => {
    if (request.wrapInit && (path === 'init' || path === originalName)) return true;
    if (request.modules === undefined) return false;
    if (/(^|\/)lib\/modules\/[^/]+\/modules\.dep$/.test(path)) return true;
    // One module already there tells the initrd's machine, which added modules must match (machine.ts).
    if (!moduleKept && MODULE_PATH.test(path)) {
      moduleKept = true;
      return true;
    }
    return false;
  };
}
