/**
 * What an initrd holds, beyond a listing (like `lsinitcpio -a`, and more): each member's compression,
 * sizes and ratio; early microcode; the kernel releases under lib/modules, their modules and whether
 * every module's dependencies are present; what /init is (a script and its interpreter, a binary, a
 * symlink, an initkit wrapper); and the files a later member overwrites.
 */
import { decodeUtf8 } from '@initkit/core';
import { type CpioEntryType, entryType, linkTarget, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '@initkit/cpio';
import { isModuleFileName, moduleNameFromPath, parseModulesDep } from '@initkit/kmod';
import { firstMainMember, type Initrd } from './initrd.js';
import type { InitrdMember } from './member.js';
import type { DroppedEntry, MergedTree, Overwrite, TreeNode } from './tree.js';
import { isInitkitWrapper, wrappedModules } from './wrap-init.js';

export interface MemberSummary {
  index: number;
  offset: number;
  length: number;
  compression: string;
  uncompressedSize: number;
  /** Uncompressed size / stored size. */
  ratio: number;
  archives: number;
  entries: number;
  /** An uncompressed archive in front of the main member (microcode, firmware). */
  early: boolean;
}

export interface ModuleReleaseSummary {
  release: string;
  /** Canonical path of the release's directory. */
  directory: string;
  /** Module names present, sorted. */
  modules: string[];
  hasModulesDep: boolean;
  /** Modules whose modules.dep dependencies are not all present. */
  missingDependencies: { module: string; missing: string[] }[];
  /** Module files present but not listed in modules.dep. */
  unlisted: string[];
  /** True when modules.dep exists and every listed dependency of every present module is there. */
  complete: boolean;
}

export interface InitSummary {
  type: CpioEntryType | 'missing';
  /** A symlink's target. */
  target?: string;
  /** A script's interpreter line without '#!'. */
  interpreter?: string;
  /** 'elf', 'script' or 'other' for a regular file (or the file a symlink leads to). */
  kind?: 'elf' | 'script' | 'other';
  /** True for a wrapper written by initkit. */
  initkitWrapper: boolean;
  size?: number;
  /** For an initkit wrapper: how many modules it insmods. */
  loadedModules?: number;
  /**
   * For an initkit wrapper: module files an edit appended (members, or archives, after the main one) that the
   * wrapper never loads (paths under lib/modules). A re-wrap that lost earlier modules shows here.
   */
  notLoaded?: string[];
}

export interface InitrdAnalysis {
  size: number;
  wrapper:
    | { name: string; time: number; size: number; os: number; arch: number; type: number; compression: number }
    | undefined;
  members: MemberSummary[];
  paddingBytes: number;
  entries: number;
  microcode: { path: string; size: number; member: number }[];
  releases: ModuleReleaseSummary[];
  init: InitSummary;
  /** Files (not directories) a later member replaced, and directories whose mode changed. */
  overwrites: Overwrite[];
  /** Entries the kernel would not create. */
  dropped: DroppedEntry[];
}

export function analyzeInitrd(initrd: Initrd): InitrdAnalysis {
  const mainIndex = firstMainMember(initrd.members);
  const members = initrd.members.map((member) => ({
    index: member.index,
    offset: member.offset,
    length: member.length,
    compression: member.compression,
    uncompressedSize: member.uncompressedSize,
    ratio: member.length === 0 ? 0 : Math.round((member.uncompressedSize / member.length) * 100) / 100,
    archives: member.archives,
    entries: member.entries.length,
    early: member.compression === 'none' && member.index < mainIndex,
  }));
  const paddingBytes = initrd.segments.reduce((sum, s) => sum + (s.kind === 'padding' ? s.length : 0), 0);
  const microcode = initrd.tree
    .list()
    .filter((node) => /^kernel\/x86\/microcode\/[^/]+\.bin$/.test(node.path))
    .map((node) => ({ path: node.path, size: node.inode.size, member: node.inode.member }));
  return {
    size: initrd.size,
    wrapper: initrd.wrapper && {
      name: initrd.wrapper.name,
      time: initrd.wrapper.time,
      size: initrd.wrapper.size,
      os: initrd.wrapper.os,
      arch: initrd.wrapper.arch,
      type: initrd.wrapper.type,
      compression: initrd.wrapper.compression,
    },
    members,
    paddingBytes,
    entries: initrd.tree.size,
    microcode,
    releases: moduleReleases(initrd.tree),
    init: withLoadedModules(describeInit(initrd.tree), initrd.tree, initrd.members, mainIndex),
    overwrites: initrd.tree.overwrites,
    dropped: initrd.tree.dropped,
  };
}

/** Each lib/modules/<release> directory: its modules and whether their dependencies are there. */
export function moduleReleases(tree: MergedTree): ModuleReleaseSummary[] {
  const modulesDir = tree.lookup('lib/modules');
  if (!modulesDir || (modulesDir.inode.mode & S_IFMT) !== S_IFDIR) return [];
  const releases: ModuleReleaseSummary[] = [];
  for (const release of tree.childNames(modulesDir.path)) {
    const directory = tree.lookup(`${modulesDir.path}/${release}`);
    if (!directory || (directory.inode.mode & S_IFMT) !== S_IFDIR) continue;
    const prefix = `${directory.path}/`;
    const present = new Map<string, string>();
    for (const node of tree.list()) {
      if (!node.path.startsWith(prefix) || (node.inode.mode & S_IFMT) !== S_IFREG) continue;
      const relative = node.path.slice(prefix.length);
      if (isModuleFileName(relative)) present.set(relative, moduleNameFromPath(relative));
    }
    const depNode = tree.lookup(`${prefix}modules.dep`);
    const hasModulesDep = depNode !== undefined && depNode.inode.data !== undefined;
    const missingDependencies: { module: string; missing: string[] }[] = [];
    const listed = new Set<string>();
    if (hasModulesDep) {
      for (const line of parseModulesDep(decodeUtf8(depNode.inode.data!))) {
        if (!present.has(line.path)) continue;
        listed.add(line.path);
        const missing = line.dependencies.filter((dependency) => !present.has(dependency));
        if (missing.length > 0) missingDependencies.push({ module: line.name, missing });
      }
    }
    const unlisted = [...present.keys()].filter((path) => !listed.has(path)).sort();
    releases.push({
      release,
      directory: directory.path,
      modules: [...new Set(present.values())].sort(),
      hasModulesDep,
      missingDependencies,
      unlisted: hasModulesDep ? unlisted : [],
      complete: hasModulesDep && missingDependencies.length === 0 && unlisted.length === 0,
    });
  }
  return releases;
}

function fileKind(data: Uint8Array | undefined): 'elf' | 'script' | 'other' {
  if (!data) return 'other';
  if (data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46) return 'elf';
  if (data.length >= 2 && data[0] === 0x23 && data[1] === 0x21) return 'script';
  return 'other';
}

/** What /init is. */
export function describeInit(tree: MergedTree): InitSummary {
  const init = tree.node('init');
  if (!init) return { type: 'missing', initkitWrapper: false };
  const type = entryType(init.inode.mode);
  const summary: InitSummary = { type, initkitWrapper: false, size: init.inode.size };
  if ((init.inode.mode & S_IFMT) === S_IFLNK) summary.target = linkTarget(init.inode);
  const file = tree.lookup('init');
  if (file && (file.inode.mode & S_IFMT) === S_IFREG) {
    const data = file.inode.data;
    summary.kind = fileKind(data);
    if (summary.kind === 'script' && data) {
      summary.interpreter = decodeUtf8(data.subarray(0, Math.min(data.length, 256)))
        .split('\n')[0]!
        .slice(2)
        .trim();
    }
    summary.initkitWrapper = isInitkitWrapper(data);
  }
  return summary;
}

/** The part of a module path from lib/modules/ on ('lib/modules/6.1/kernel/x.ko'), or undefined. */
function modulesRelative(path: string): string | undefined {
  const at = path.indexOf('lib/modules/');
  return at < 0 ? undefined : path.slice(at);
}

/**
 * Whether an edit appended the node: it comes from a member after the main one, or from an archive
 * after the main member's first (an appended member of the main one's format follows it directly, and
 * gzip readers join the two).
 */
function appendedByEdit(node: TreeNode, members: readonly InitrdMember[], mainIndex: number): boolean {
  const { member, source } = node.inode;
  if (member > mainIndex) return true;
  if (member !== mainIndex || source === undefined) return false;
  return (members[source.member]?.entries[source.entry]?.archive ?? 0) > 0;
}

/** For an initkit wrapper /init: what it loads, and the appended modules it does not load. */
function withLoadedModules(
  summary: InitSummary,
  tree: MergedTree,
  members: readonly InitrdMember[],
  mainIndex: number,
): InitSummary {
  if (!summary.initkitWrapper) return summary;
  const data = tree.lookup('init')?.inode.data;
  if (!data) return summary;
  const loads = wrappedModules(data);
  const loaded = new Set(loads.map(modulesRelative));
  const notLoaded = tree
    .list()
    .filter((node) => (node.inode.mode & S_IFMT) === S_IFREG && appendedByEdit(node, members, mainIndex))
    .filter((node) => isModuleFileName(node.path) && !loaded.has(modulesRelative(node.path)))
    .map((node) => node.path);
  return { ...summary, loadedModules: loads.length, notLoaded };
}

function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

/** The analysis as text, in the spirit of `lsinitcpio -a`. */
export function formatAnalysis(analysis: InitrdAnalysis): string {
  const lines: string[] = [];
  lines.push(`Size: ${analysis.size} bytes, ${analysis.members.length} member(s), ${analysis.entries} paths`);
  if (analysis.wrapper)
    lines.push(`uImage wrapper: "${analysis.wrapper.name}", payload ${analysis.wrapper.size} bytes`);
  lines.push('', 'Members:');
  for (const m of analysis.members) {
    lines.push(
      `  ${m.index}: offset ${m.offset}, ${m.length} bytes, ${m.compression}${m.early ? ' (early)' : ''}, ` +
        `${m.uncompressedSize} bytes uncompressed (${formatRatio(m.ratio)}), ${m.entries} entries` +
        (m.archives > 1 ? ` in ${m.archives} archives` : ''),
    );
  }
  if (analysis.paddingBytes > 0) lines.push(`  padding: ${analysis.paddingBytes} bytes`);
  lines.push('', 'Early microcode:');
  if (analysis.microcode.length === 0) lines.push('  none');
  for (const m of analysis.microcode) lines.push(`  ${m.path} (${m.size} bytes, member ${m.member})`);
  lines.push('', 'Kernel modules:');
  if (analysis.releases.length === 0) lines.push('  none');
  for (const r of analysis.releases) {
    const state = !r.hasModulesDep
      ? 'no modules.dep'
      : r.complete
        ? 'dependencies complete'
        : 'dependencies INCOMPLETE';
    lines.push(`  ${r.release}: ${r.modules.length} module(s), ${state}`);
    for (const m of r.missingDependencies) lines.push(`    ${m.module} needs missing ${m.missing.join(', ')}`);
    for (const path of r.unlisted) lines.push(`    ${path} is not in modules.dep`);
  }
  lines.push('', 'Init:');
  const init = analysis.init;
  if (init.type === 'missing') lines.push('  no /init');
  else {
    let text = `  /init: ${init.type}`;
    if (init.target !== undefined) text += ` -> ${init.target}`;
    if (init.kind) text += `, ${init.kind === 'script' ? `script (#!${init.interpreter})` : init.kind}`;
    if (init.initkitWrapper) text += `, initkit wrapper loading ${init.loadedModules ?? 0} module(s)`;
    lines.push(text);
    for (const path of init.notLoaded ?? []) lines.push(`    ${path} was added but /init never loads it`);
  }
  lines.push('', 'Overwritten between members:');
  if (analysis.overwrites.length === 0) lines.push('  none');
  for (const o of analysis.overwrites) {
    lines.push(
      `  ${o.path}: ${o.previousType} from member ${o.previousMember} replaced by ${o.type} from member ${o.member}`,
    );
  }
  if (analysis.dropped.length > 0) {
    lines.push('', 'Entries the kernel would not create:');
    for (const d of analysis.dropped) lines.push(`  ${d.path} (member ${d.member}): ${d.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
