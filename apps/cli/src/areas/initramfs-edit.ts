/**
 * `initkit initramfs edit`: add and remove files, add kernel modules with their dependencies, wrap
 * /init; written by appending one member (the original's bytes copied in pieces) or by a streamed full
 * rewrite. Output goes to -o, or to stdout when that is not a terminal.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CompressionFormat } from '@initkit/compress';
import { writeFileAtomic } from '@initkit/core/node';
import { S_IFMT, S_IFREG } from '@initkit/cpio';
import {
  type AddItem,
  dataNeededForEdit,
  type EditPlan,
  type EditRequest,
  firstMainMember,
  type Initrd,
  outputChunks,
  planEdit,
  type WriteMode,
  type WriteOptions,
  writeInitrd,
} from '@initkit/initramfs';
import { moduleSourceFromDirectory, writeInitrdFullStream } from '@initkit/initramfs/node';
import { UIMAGE_HEADER_SIZE } from '@initkit/uimage';
import { withFile, withFileSync } from '../file-errors.js';
import { checkLevel, parseEpochSeconds, sourceDateEpoch } from '../options.js';
import { outputMode, printJson, writeStdout } from '../output.js';
import { outputTarget } from '../output-target.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { openInitrd } from './initramfs-inspect.js';

export interface EditFlags {
  output?: string;
  add?: string[];
  remove?: string[];
  modules?: string;
  root?: string;
  kver?: string;
  addModule?: string[];
  decompressModules?: boolean;
  wrapInit?: boolean;
  initName: string;
  mode: WriteMode;
  compress?: CompressionFormat;
  level?: number;
  mtime?: string;
  json?: boolean;
  quiet?: boolean;
  force?: boolean;
}

export function parseMode(value: string): WriteMode {
  if (value !== 'append' && value !== 'full') throw new UsageError(`invalid mode ${value}: expected append or full`);
  return value;
}

/** `--add HOSTPATH:PATH`: the host file's bytes and permission bits at PATH in the initrd. */
function addItem(spec: string): AddItem {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`invalid --add ${spec}: expected HOSTPATH:PATH`);
  const host = spec.slice(0, colon);
  const path = spec.slice(colon + 1);
  const role = `the --add file for ${path}`;
  const info = withFileSync(host, role, () => statSync(host));
  if ((info.mode & S_IFMT) !== S_IFREG) throw new UsageError(`--add ${host}: only regular files can be added`);
  const bytes = withFileSync(host, role, () => readFileSync(host));
  return { path, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), mode: info.mode & 0o7777 };
}

/** The module tree: --modules DIR, or ROOT/lib/modules/RELEASE from --kver (and --root) as build takes it. */
function moduleTree(flags: EditFlags): string | undefined {
  if (flags.modules !== undefined && flags.kver !== undefined) {
    throw new UsageError('give --modules DIR or --kver RELEASE (with --root DIR), not both');
  }
  if (flags.root !== undefined && flags.kver === undefined) throw new UsageError('--root needs --kver RELEASE');
  if (flags.kver !== undefined) return join(flags.root ?? '/', 'lib/modules', flags.kver);
  return flags.modules;
}

/** mtime of the entries an edit writes: --mtime, else SOURCE_DATE_EPOCH, else now (planEdit's default). */
function editMtime(flag: string | undefined): number | undefined {
  return flag !== undefined ? parseEpochSeconds(flag, '--mtime') : sourceDateEpoch();
}

export async function editAction(input: string, flags: EditFlags): Promise<void> {
  const addModules = flags.addModule ?? [];
  const tree = moduleTree(flags);
  if (addModules.length > 0 && tree === undefined) {
    throw new UsageError('--add-module needs --modules DIR (a lib/modules/<release> directory) or --kver RELEASE');
  }
  if ((flags.remove?.length ?? 0) > 0 && flags.mode === 'append') {
    throw new UsageError('--remove needs --mode full: a removal cannot be expressed by appending a member');
  }
  checkLevel(flags.level, flags.compress);
  const output = outputTarget(flags.output, 'an initrd');
  const request: EditRequest = {
    add: (flags.add ?? []).map(addItem),
    remove: flags.remove ?? [],
    mtime: editMtime(flags.mtime),
  };
  let depmod: { milliseconds: number } | undefined;
  if (addModules.length > 0 && tree !== undefined) {
    const hadDep = existsSync(join(tree, 'modules.dep'));
    const started = performance.now();
    const source = await withFile(tree, 'the module tree directory', () =>
      moduleSourceFromDirectory(tree, { names: addModules }),
    );
    if (!hadDep) depmod = { milliseconds: Math.round(performance.now() - started) };
    request.modules = { ...source, names: addModules, decompress: flags.decompressModules === true };
  }
  if (flags.wrapInit) request.wrapInit = { originalName: flags.initName };
  if (request.add!.length === 0 && !request.modules && !request.wrapInit && request.remove!.length === 0) {
    throw new UsageError('nothing to do: give --add, --remove, --add-module or --wrap-init');
  }
  const progress = createProgress('initramfs edit', { quiet: flags.quiet || flags.json });
  const reading = { onProgress: (done: number, total: number) => progress.update(done, total) };
  // Both modes keep only what the edit reads; a full rewrite reads the rest again as it writes.
  const initrd = await openInitrd(input, 'the initrd to edit', { keepData: dataNeededForEdit(request), ...reading });
  // With no module in the initrd, its uImage header's architecture tells what added files must be built for.
  const plan = planEdit(initrd.tree, { ...request, uImageArch: initrd.wrapper?.arch, force: flags.force === true });
  const writeOptions = { mode: flags.mode, compression: flags.compress, level: flags.level };
  const result =
    flags.mode === 'full'
      ? await writeFull(initrd, plan, writeOptions, output)
      : await writeAppend(initrd, plan, writeOptions, output);
  const original = initrd.members[firstMainMember(initrd.members)]?.compression;
  if (flags.mode === 'full' && flags.compress === undefined && original && original !== result.compression) {
    // Said even with --quiet: the output is not what the input was, and nobody asked for it.
    process.stderr.write(
      `initkit: ${input} is ${original}, which initkit cannot encode: the rewritten member is ${result.compression} (choose with --compress)\n`,
    );
  }
  const summary = editSummary(initrd, plan, result, output, depmod);
  if (flags.json) printJson(summary);
  else if (!flags.quiet) progress.finish(formatSummary(summary));
  else progress.finish();
}

interface WriteResult {
  mode: WriteMode;
  compression: CompressionFormat;
  length: number;
  memberLength: number;
}

/** What the edit did, counted honestly: the new member's entries, how many of them are new paths. */
function editSummary(
  initrd: Initrd,
  plan: EditPlan,
  result: WriteResult,
  output: string,
  depmod: { milliseconds: number } | undefined,
) {
  const added = plan.entries.filter((entry) => !initrd.tree.lookup(entry.path)).length;
  return {
    output,
    mode: result.mode,
    compression: result.compression,
    bytes: result.length,
    memberBytes: result.memberLength,
    // Append: the new member holds the changes; full: the one rewritten member holds the whole tree.
    memberEntries: result.mode === 'full' ? rewrittenEntries(initrd, plan) : plan.entries.length,
    added,
    replaced: plan.entries.length - added,
    removed: plan.removed.length,
    modules: plan.modules?.modules.map((module) => module.path) ?? [],
    originalInit: plan.originalInit ?? null,
    depmodComputed: depmod ?? null,
  };
}

/** Entries of the rewritten member: the tree less what early members hold, with the directories above. */
function rewrittenEntries(initrd: Initrd, plan: EditPlan): number {
  const mainIndex = firstMainMember(initrd.members);
  const paths = new Set<string>();
  for (const node of plan.tree.list()) {
    if (node.inode.member >= 0 && node.inode.member < mainIndex) continue;
    for (
      let path = node.path;
      path !== '' && !paths.has(path);
      path = path.slice(0, Math.max(path.lastIndexOf('/'), 0))
    ) {
      paths.add(path);
    }
  }
  return paths.size;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function formatSummary(summary: ReturnType<typeof editSummary>): string {
  const where = summary.output === '-' ? 'stdout' : summary.output;
  const parts = [
    `${plural(summary.memberEntries, 'entry', 'entries')} in the new member`,
    `${summary.added} added`,
    ...(summary.replaced ? [`${summary.replaced} replaced`] : []),
    ...(summary.removed ? [`${summary.removed} removed`] : []),
    ...(summary.modules.length ? [plural(summary.modules.length, 'module')] : []),
  ];
  const depmod = summary.depmodComputed
    ? `; the module tree had no modules.dep: computed one in ${summary.depmodComputed.milliseconds} ms`
    : '';
  return `${where}: ${summary.mode} mode, ${summary.bytes} bytes (${summary.compression} member of ${summary.memberBytes} bytes: ${parts.join(', ')})${depmod}`;
}

/** Append mode: the original's bytes (copied in pieces, never loaded whole) and one new member. */
async function writeAppend(initrd: Initrd, plan: EditPlan, options: WriteOptions, output: string) {
  const result = writeInitrd(initrd, plan, options);
  // A file gets the parts one after the other; stdout gets them in the same pieces.
  if (output === '-') for (const chunk of outputChunks(initrd, result.parts)) await writeStdout(chunk);
  else {
    await withFile(output, 'the -o output', () =>
      writeFileAtomic(output, outputChunks(initrd, result.parts), { mode: outputMode(output) }),
    );
  }
  return result;
}

/** Full mode, streamed: memory is about the largest file, whatever the tree's size. */
async function writeFull(initrd: Initrd, plan: EditPlan, options: WriteOptions, output: string) {
  const stream = writeInitrdFullStream(initrd, plan, options);
  if (output !== '-') {
    await withFile(output, 'the -o output', () =>
      writeFileAtomic(output, stream.chunks, {
        mode: outputMode(output),
        ...(initrd.wrapper ? { header: { length: UIMAGE_HEADER_SIZE, bytes: () => stream.finish().header! } } : {}),
      }),
    );
  } else if (!initrd.wrapper) {
    for await (const chunk of stream.chunks) await writeStdout(chunk);
  } else {
    // The uImage header (size and CRC of what follows) goes first on a pipe: hold the payload.
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream.chunks) chunks.push(chunk.slice());
    await writeStdout(stream.finish().header!);
    for (const chunk of chunks) await writeStdout(chunk);
  }
  const { length, memberLength } = stream.finish();
  return { mode: stream.mode, compression: stream.compression, length, memberLength };
}
