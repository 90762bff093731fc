/**
 * `initkit initramfs`: inspect and edit initrds (uImage-wrapped or not, any number of early and
 * compressed members): ls, cat, extract, diff, analyze, and edit (add/remove files, add kernel modules
 * with their dependencies, wrap /init) written by appending one member or by a full rewrite.
 */
import { readFileSync, statSync } from 'node:fs';
import { type CompressionFormat, ENCODABLE_FORMATS, isCompressionFormat } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { writeFileAtomic } from '@initkit/core/node';
import { S_IFMT, S_IFREG } from '@initkit/cpio';
import {
  type AddItem,
  analyzeInitrd,
  dataNeededForEdit,
  diffTrees,
  type EditPlan,
  type EditRequest,
  firstMainMember,
  formatAnalysis,
  formatDiff,
  type Initrd,
  listMember,
  listTree,
  memberEntriesToJson,
  outputChunks,
  planEdit,
  treeToJson,
  type WriteMode,
  type WriteOptions,
  writeInitrd,
} from '@initkit/initramfs';
import {
  extractInitrd,
  moduleSourceFromDirectory,
  type OpenInitrdOptions,
  openInitrdFile,
  writeInitrdFullStream,
} from '@initkit/initramfs/node';
import { UIMAGE_HEADER_SIZE } from '@initkit/uimage';
import type { Command } from 'commander';
import { printJson, writeOutput, writeStdout } from '../output.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { registerInitramfsBuild } from './initramfs-build.js';

/** Buffers lines and writes them in large blocks (listings of thousands of paths). */
function writeLines(lines: readonly string[]): void {
  const block = 4096;
  for (let i = 0; i < lines.length; i += block) {
    process.stdout.write(`${lines.slice(i, i + block).join('\n')}\n`);
  }
}

/** uid/gid names from the system's databases, as cpio -tv shows them. */
function idNames(file: string): (id: number) => string | undefined {
  const table = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'latin1').split('\n')) {
      const fields = line.split(':');
      const id = Number(fields[2]);
      if (fields[0] && Number.isInteger(id) && !table.has(id)) table.set(id, fields[0]);
    }
  } catch {
    // No database: ids print as numbers.
  }
  return (id) => table.get(id);
}

function open(file: string, options: OpenInitrdOptions = {}): Promise<Initrd> {
  return openInitrdFile(file, options);
}

function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseMode(value: string): WriteMode {
  if (value !== 'append' && value !== 'full') throw new UsageError(`invalid mode ${value}: expected append or full`);
  return value;
}

function parseCompression(value: string): CompressionFormat {
  if (!isCompressionFormat(value) || !ENCODABLE_FORMATS.includes(value)) {
    throw new UsageError(`invalid compression ${value}: expected one of ${ENCODABLE_FORMATS.join(', ')}`);
  }
  return value;
}

function parseLevel(value: string): number {
  if (!/^[1-9]$/.test(value)) throw new UsageError(`invalid level ${value}: expected 1 to 9`);
  return Number(value);
}

/** `--add HOSTPATH:PATH`: the host file's bytes and permission bits at PATH in the initrd. */
function addItem(spec: string): AddItem {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0 || colon === spec.length - 1) {
    throw new UsageError(`invalid --add ${spec}: expected HOSTPATH:PATH`);
  }
  const host = spec.slice(0, colon);
  const path = spec.slice(colon + 1);
  const info = statSync(host);
  if ((info.mode & S_IFMT) !== S_IFREG) throw new UsageError(`--add ${host}: only regular files can be added`);
  const bytes = readFileSync(host);
  return { path, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), mode: info.mode & 0o7777 };
}

interface LsFlags {
  members?: boolean;
  verbose?: boolean;
  json?: boolean;
  numericUidGid?: boolean;
}

interface EditFlags {
  output: string;
  add?: string[];
  remove?: string[];
  modules?: string;
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
}

/** mtime of the entries an edit writes: --mtime, else SOURCE_DATE_EPOCH, else now (planEdit's default). */
function editMtime(flag: string | undefined): number | undefined {
  const [value, what] = flag !== undefined ? [flag, '--mtime'] : [process.env.SOURCE_DATE_EPOCH, 'SOURCE_DATE_EPOCH'];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw new UsageError(`${what}=${value}: expected seconds since the epoch (0 to 4294967295)`);
  }
  return Number(value);
}

/** Append mode: the original's bytes (copied in pieces, never loaded whole) and one new member. */
async function writeAppend(initrd: Initrd, plan: EditPlan, options: WriteOptions, output: string) {
  const result = writeInitrd(initrd, plan, options);
  // A file gets the parts one after the other; stdout gets them in the same pieces.
  if (output === '-') for (const chunk of outputChunks(initrd, result.parts)) await writeStdout(chunk);
  else await writeFileAtomic(output, outputChunks(initrd, result.parts));
  return result;
}

/** Full mode, streamed: memory is about the largest file, whatever the tree's size. */
async function writeFull(initrd: Initrd, plan: EditPlan, options: WriteOptions, output: string) {
  const stream = writeInitrdFullStream(initrd, plan, options);
  if (output !== '-') {
    await writeFileAtomic(
      output,
      stream.chunks,
      initrd.wrapper ? { header: { length: UIMAGE_HEADER_SIZE, bytes: () => stream.finish().header! } } : {},
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

/** Adds the `initramfs` sub-commands to the area's command (named and described in catalog.ts). */
export function registerInitramfs(initramfs: Command): void {
  registerInitramfsBuild(initramfs);
  initramfs
    .command('ls')
    .description('list the merged tree the kernel would unpack (or each member with --members)')
    .argument('<file>', 'initrd (optionally in a uImage)')
    .option('--members', 'list each member in order, names as stored (what lsinitramfs prints)')
    .option('-v, --verbose', 'long listing, like cpio -tv')
    .option('-n, --numeric-uid-gid', 'with -v: numeric owners')
    .option('--json', 'print as JSON')
    .action(async (file: string, options: LsFlags) => {
      const initrd = await open(file, { keepData: () => false });
      const names = options.numericUidGid ? {} : { userName: idNames('/etc/passwd'), groupName: idNames('/etc/group') };
      if (options.members) {
        if (options.json) {
          printJson(
            initrd.members.map((member) => ({
              index: member.index,
              offset: member.offset,
              length: member.length,
              compression: member.compression,
              entries: memberEntriesToJson(member.entries),
            })),
          );
          return;
        }
        for (const member of initrd.members)
          writeLines(listMember(member.entries, { long: options.verbose, ...names }));
        return;
      }
      if (options.json) printJson(treeToJson(initrd.tree));
      else writeLines(listTree(initrd.tree, { long: options.verbose, ...names }));
    });

  initramfs
    .command('cat')
    .description('write one file of the merged tree to stdout (symlinks followed)')
    .argument('<file>', 'initrd')
    .argument('<path>', 'path inside the initrd')
    .action(async (file: string, path: string) => {
      const initrd = await open(file);
      const normalized = path.replace(/^\/+/, '') || '.';
      const node = initrd.tree.lookup(normalized);
      if (!node) throw new InitkitError('INITRAMFS_NOT_FOUND', `${path}: no such file in ${file}`);
      if ((node.inode.mode & S_IFMT) !== S_IFREG) {
        throw new InitkitError('INITRAMFS_NOT_A_FILE', `${path} is not a regular file in ${file}`);
      }
      await writeOutput('-', node.inode.data ?? new Uint8Array(0));
    });

  initramfs
    .command('extract')
    .description('extract the merged tree safely (or the unmkinitramfs layout with --split)')
    .argument('<file>', 'initrd')
    .requiredOption('-C, --directory <dir>', 'target directory')
    .option('--split', 'early members in early/, early2/, ..., the rest in main/ (as unmkinitramfs)')
    .option('--devices', 'create device nodes (as root)')
    .option('--json', 'print what was written and skipped as JSON')
    .action(
      async (file: string, options: { directory: string; split?: boolean; devices?: boolean; json?: boolean }) => {
        // Contents are not kept: the extraction reads them again from their members as it writes.
        const initrd = await open(file, { keepData: () => false });
        const results = await extractInitrd(initrd, options.directory, {
          split: options.split,
          devices: options.devices,
        });
        if (options.json) {
          printJson(results);
          return;
        }
        for (const { report } of results) {
          for (const skipped of report.skipped)
            process.stderr.write(`initkit: skipped ${skipped.name}: ${skipped.reason}\n`);
        }
      },
    );

  initramfs
    .command('diff')
    .description('paths added, removed and changed (by content, mode, owner) between two initrds')
    .argument('<a>', 'first initrd')
    .argument('<b>', 'second initrd')
    .option('--json', 'print as JSON')
    .action(async (a: string, b: string, options: { json?: boolean }) => {
      const [before, after] = [await open(a), await open(b)];
      const diff = diffTrees(before.tree, after.tree);
      if (options.json) printJson(diff);
      else process.stdout.write(formatDiff(diff));
    });

  initramfs
    .command('analyze')
    .description('members, compression and ratios, microcode, modules and their dependencies, /init, overwrites')
    .argument('<file>', 'initrd')
    .option('--json', 'print as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const keep = (path: string, size: number) =>
        path === 'init' || size <= 1 << 20 || /(^|\/)lib\/modules\/[^/]+\/modules\.dep$/.test(path);
      const analysis = analyzeInitrd(await open(file, { keepData: keep }));
      if (options.json) printJson(analysis);
      else process.stdout.write(formatAnalysis(analysis));
    });

  initramfs
    .command('edit')
    .description('add/remove files, add modules with their dependencies, wrap /init; append a member or rewrite')
    .argument('<in>', 'initrd to edit')
    .requiredOption('-o, --output <file>', 'where to write the result (- for stdout)')
    .option('--add <hostpath:path>', 'add or replace PATH with the host file (repeatable)', repeatable)
    .option('--remove <path>', 'remove PATH and everything under it (full mode only; repeatable)', repeatable)
    .option('--modules <dir>', 'module tree to take modules from: a lib/modules/<release> directory')
    .option('--add-module <name>', 'add a module and its dependencies (repeatable; needs --modules)', repeatable)
    .option('--decompress-modules', 'store .ko.xz/.ko.gz/.ko.zst modules decompressed')
    .option('--wrap-init', 'keep /init as /init.orig and install an /init that loads the modules first')
    .option('--init-name <name>', 'where --wrap-init keeps the original /init', 'init.orig')
    .option('--mode <mode>', 'append (one new member) or full (rewrite everything)', parseMode, 'append' as WriteMode)
    .option('--compress <format>', `compression of the new member (${ENCODABLE_FORMATS.join(', ')})`, parseCompression)
    .option('--level <n>', 'compression level 1-9', parseLevel)
    .option('--mtime <seconds>', 'mtime of the entries written (default: SOURCE_DATE_EPOCH, else now)')
    .option('--json', 'print a summary as JSON')
    .option('-q, --quiet', 'print nothing on success')
    .action(async (input: string, options: EditFlags) => {
      const addModules = options.addModule ?? [];
      if (addModules.length > 0 && options.modules === undefined) {
        throw new UsageError('--add-module needs --modules DIR (a lib/modules/<release> directory)');
      }
      if ((options.remove?.length ?? 0) > 0 && options.mode === 'append') {
        throw new UsageError('--remove needs --mode full: a removal cannot be expressed by appending a member');
      }
      const adds = (options.add ?? []).map(addItem);
      const request: EditRequest = { add: adds, remove: options.remove ?? [], mtime: editMtime(options.mtime) };
      if (addModules.length > 0 && options.modules !== undefined) {
        const source = await moduleSourceFromDirectory(options.modules, { names: addModules });
        request.modules = { ...source, names: addModules, decompress: options.decompressModules === true };
      }
      if (options.wrapInit) request.wrapInit = { originalName: options.initName };
      if (adds.length === 0 && !request.modules && !request.wrapInit && (request.remove?.length ?? 0) === 0) {
        throw new UsageError('nothing to do: give --add, --remove, --add-module or --wrap-init');
      }
      const progress = createProgress('initramfs edit', { quiet: options.quiet || options.json });
      const reading = { onProgress: (done: number, total: number) => progress.update(done, total) };
      // Both modes keep only what the edit reads; a full rewrite reads the rest again as it writes.
      const initrd = await open(input, { keepData: dataNeededForEdit(request), ...reading });
      const plan = planEdit(initrd.tree, request);
      const writeOptions = { mode: options.mode, compression: options.compress, level: options.level };
      const result =
        options.mode === 'full'
          ? await writeFull(initrd, plan, writeOptions, options.output)
          : await writeAppend(initrd, plan, writeOptions, options.output);
      const original = initrd.members[firstMainMember(initrd.members)]?.compression;
      if (options.mode === 'full' && options.compress === undefined && original && original !== result.compression) {
        // Said even with --quiet: the output is not what the input was, and nobody asked for it.
        process.stderr.write(
          `initkit: ${input} is ${original}, which initkit cannot encode: the rewritten member is ${result.compression} (choose with --compress)\n`,
        );
      }
      const summary = {
        output: options.output,
        mode: result.mode,
        compression: result.compression,
        bytes: result.length,
        memberBytes: result.memberLength,
        entries: plan.entries.length,
        removed: plan.removed.length,
        modules: plan.modules?.modules.map((module) => module.path) ?? [],
        originalInit: plan.originalInit ?? null,
      };
      if (options.json) printJson(summary);
      else if (!options.quiet && options.output !== '-') {
        progress.finish(
          `${summary.output}: ${summary.mode} mode, ${summary.bytes} bytes (${summary.compression} member of ${summary.memberBytes} bytes, ${summary.entries} entries${summary.modules.length ? `, ${summary.modules.length} modules` : ''})`,
        );
      }
    });
}
