/**
 * Static checks that an initrd can boot a given kernel, without booting it: /init is present and
 * executable with its interpreter (a script's `#!` program, an ELF file's PT_INTERP), the busybox
 * applets an initkit /init declares it runs are linked and in busybox's applet table, every module is
 * built for the kernel's release (vermagic) and its dependencies are in the image or built in, the
 * profiles' resolved chain is all there, and every member's compression is one the kernel unpacks.
 */

import { S_IFMT, S_IFREG } from '@initkit/cpio';
import { type KernelModule, type ModuleDatabase, moduleDepends, moduleVermagic, readKernelModule } from '@initkit/kmod';
import type { Initrd } from '../initrd.js';
import type { MergedTree } from '../tree.js';
import { readBusyboxApplets } from './busybox-applets.js';
import { isElfFile, machineName, readElfInfo } from './elf-info.js';
import { declaredInitApplets } from './init-script.js';
import type { KernelConfigFacts } from './kernel-config.js';
import type { ResolvedChain } from './resolve-profile.js';

export interface CheckOptions {
  /** The kernel's release (from the image or --kver). */
  release: string;
  /** What the kernel's config says (compressions, architecture), when the config was found. */
  kernel?: KernelConfigFacts;
  /** The target tree, to know built-in modules. */
  database?: ModuleDatabase;
  /** The profiles' chain resolved against the target tree: every module of it must be in the image. */
  chain?: ResolvedChain;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const S_IXUSR = 0o100;

export function checkInitrd(initrd: Initrd, options: CheckOptions): CheckResult[] {
  const tree = initrd.tree;
  const results: CheckResult[] = [checkInit(tree, options.kernel?.machine)];
  const applets = checkApplets(tree);
  if (applets) results.push(applets);
  const moduleRoot = `lib/modules/${options.release}`;
  const modules = new Map<string, { path: string; module: KernelModule }>();
  const foreign: string[] = [];
  for (const node of tree.list()) {
    if (!/\.ko(\.(gz|xz|zst))?$/.test(node.path) || (node.inode.mode & S_IFMT) !== S_IFREG) continue;
    if (!node.path.startsWith(`${moduleRoot}/`)) foreign.push(node.path);
    if (!node.inode.data) continue;
    const module = readKernelModule(node.inode.data, { path: node.path });
    modules.set(module.name ?? node.path, { path: node.path, module });
  }
  const wrongRelease = [...modules.values()].flatMap(({ path, module }) => {
    const vermagic = moduleVermagic(module)?.trim().split(/\s+/)[0];
    return vermagic === options.release ? [] : [`${path} (vermagic ${vermagic ?? 'missing'})`];
  });
  results.push({
    name: 'vermagic',
    ok: wrongRelease.length === 0 && foreign.length === 0,
    detail:
      wrongRelease.length + foreign.length === 0
        ? `${modules.size} modules, all built for ${options.release}`
        : [
            ...wrongRelease.map((w) => `built for another kernel: ${w}`),
            ...foreign.map((f) => `outside ${moduleRoot}: ${f}`),
          ].join('; '),
  });

  const missingDependencies: string[] = [];
  for (const [name, { module }] of modules) {
    for (const dependency of moduleDepends(module)) {
      const key = dependency.replaceAll('-', '_');
      if (modules.has(key) || options.database?.isBuiltin(key)) continue;
      missingDependencies.push(`${name} needs ${dependency}`);
    }
  }
  results.push({
    name: 'dependencies',
    ok: missingDependencies.length === 0,
    detail:
      missingDependencies.length === 0 ? 'every module dependency is in the image' : missingDependencies.join('; '),
  });

  if (options.chain) {
    const missing = options.chain.modules
      .filter((module) => module.kind === 'insmod' && !modules.has(module.name))
      .map((module) => `${module.name} (${module.reason})`);
    results.push({
      name: 'profile chain',
      ok: missing.length === 0,
      detail:
        missing.length === 0
          ? `all ${options.chain.modules.length} modules of the profiles' chain are present or built in`
          : `missing: ${missing.join('; ')}`,
    });
  }

  if (options.kernel) {
    const unsupported = initrd.members.filter((member) => !options.kernel!.compressions.includes(member.compression));
    results.push({
      name: 'compression',
      ok: unsupported.length === 0,
      detail:
        unsupported.length === 0
          ? `members ${initrd.members.map((m) => m.compression).join(', ')}: the kernel unpacks them`
          : unsupported
              .map((m) => `member ${m.index} is ${m.compression}, which the kernel's config does not enable`)
              .join('; '),
    });
  }
  return results;
}

function checkInit(tree: MergedTree, machine: number | undefined): CheckResult {
  const fail = (detail: string): CheckResult => ({ name: 'init', ok: false, detail });
  const init = executable(tree, 'init');
  if (typeof init === 'string') return fail(init);
  const data = init.inode.data;
  if (!data) return fail('/init has no data in the image');
  if (data[0] === 0x23 && data[1] === 0x21) {
    const line = new TextDecoder().decode(data.subarray(0, Math.min(data.length, 256))).split('\n')[0]!;
    const interpreter = line.slice(2).trim().split(/\s+/)[0] ?? '';
    const target = executable(tree, interpreter);
    if (typeof target === 'string') return fail(`/init's interpreter ${interpreter}: ${target}`);
    const elf = target.inode.data;
    if (elf && isElfFile(elf)) {
      const problem = elfProblem(tree, elf, interpreter, machine);
      if (problem) return fail(problem);
    }
    return { name: 'init', ok: true, detail: `/init is a script run by ${interpreter} (${target.path})` };
  }
  if (isElfFile(data)) {
    const problem = elfProblem(tree, data, '/init', machine);
    return problem ? fail(problem) : { name: 'init', ok: true, detail: '/init is an ELF executable' };
  }
  return fail('/init is neither a script (#!) nor an ELF executable');
}

/**
 * The applets an initkit /init declares (INIT_APPLETS_TAG): each /bin/<applet> must be an executable
 * whose busybox applet table names it (a program that is not busybox stands for itself). Undefined
 * for an /init that declares nothing (not one initkit generated).
 */
function checkApplets(tree: MergedTree): CheckResult | undefined {
  const init = executable(tree, 'init');
  if (typeof init === 'string' || !init.inode.data) return undefined;
  const declared = declaredInitApplets(new TextDecoder().decode(init.inode.data.subarray(0, 4096)));
  if (declared === undefined) return undefined;
  const tables = new Map<string, string[] | undefined>();
  const problems: string[] = [];
  const providers = new Set<string>();
  for (const applet of declared) {
    const program = executable(tree, `bin/${applet}`);
    if (typeof program === 'string') {
      problems.push(`the /init runs ${applet}, but ${program}`);
      continue;
    }
    if (!tables.has(program.path)) {
      const data = program.inode.data;
      let table: string[] | undefined;
      try {
        table = data && isElfFile(data) ? readBusyboxApplets(data, `/${program.path}`) : undefined;
      } catch {
        table = undefined; // not busybox: the program is the command itself
      }
      tables.set(program.path, table);
    }
    const table = tables.get(program.path);
    if (table && !table.includes(applet))
      problems.push(`the /init runs ${applet}, but /${program.path}'s applet table has no ${applet}`);
    providers.add(`/${program.path}`);
  }
  return {
    name: 'applets',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `the ${declared.length} applets the /init runs (${declared.join(' ')}) are in ${[...providers].join(', ')}`
        : problems.join('; '),
  };
}

function elfProblem(tree: MergedTree, data: Uint8Array, what: string, machine: number | undefined): string | undefined {
  const info = readElfInfo(data, what);
  if (machine !== undefined && info.machine !== machine)
    return `${what} is built for ${machineName(info.machine)}, the kernel is ${machineName(machine)}`;
  if (info.interpreter !== undefined && typeof executable(tree, info.interpreter) === 'string')
    return `${what} needs the program interpreter ${info.interpreter}, which is not in the image`;
  return undefined;
}

/** The regular, executable file at `path` (symlinks followed), or why there is none. */
function executable(tree: MergedTree, path: string) {
  const resolved = tree.resolve(path.replace(/^\/+/, ''), true);
  const node = resolved === undefined ? undefined : tree.node(resolved);
  if (!node) return `${path} is not in the image`;
  if ((node.inode.mode & S_IFMT) !== S_IFREG) return `${path} is not a regular file`;
  if ((node.inode.mode & S_IXUSR) === 0)
    return `${path} is not executable (mode ${(node.inode.mode & 0o7777).toString(8)})`;
  return node;
}
