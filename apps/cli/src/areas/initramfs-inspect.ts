/**
 * The read-only `initkit initramfs` actions: list (the merged tree, or each member as lsinitramfs
 * prints them), cat, diff (exit 1 when the trees differ, as diff does) and analyze.
 */
import { InitkitError } from '@initkit/core';
import { S_IFMT, S_IFREG } from '@initkit/cpio';
import {
  analysisInFile,
  analysisToJson,
  analyzeInitrd,
  diffTrees,
  formatAnalysis,
  formatDiff,
  type Initrd,
  initrdTreeToJson,
  listMember,
  listTree,
  memberEntriesToJson,
} from '@initkit/initramfs';
import { type OpenInitrdOptions, openInitrdFile } from '@initkit/initramfs/node';
import { withFile } from '../file-errors.js';
import { ownerNames } from '../id-names.js';
import { printJson, writeOutput, writeStdout } from '../output.js';
import { EXIT_FAILURE } from '../run.js';
import { listingBytes } from '../safe-text.js';
import { namedHeaderCodes } from '../uimage-json.js';
import { UsageError } from '../usage-error.js';

/** The running command's --max-output: bytes one member may decompress to (set by initramfs.ts). */
let maxMemberBytes: number | undefined;

export function setMaxOutput(value: string | undefined): void {
  if (value === undefined) return;
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid --max-output ${value}: expected a byte count`);
  maxMemberBytes = Number(value);
}

/** Opens an initrd named on the command line; a missing or unreadable file names its role. */
export function openInitrd(file: string, role: string, options: OpenInitrdOptions = {}): Promise<Initrd> {
  return withFile(file, role, () => openInitrdFile(file, { maxMemberBytes, ...options }));
}

export interface ListFlags {
  members?: boolean;
  verbose?: boolean;
  json?: boolean;
  numericUidGid?: boolean;
  raw?: boolean;
  verify: boolean;
}

export async function listAction(file: string, flags: ListFlags): Promise<void> {
  const initrd = await openInitrd(file, 'the initrd', { keepData: () => false, verifyDataCrc: flags.verify });
  if (flags.json) {
    printJson(flags.members ? membersToJson(initrd) : initrdTreeToJson(initrd));
    return;
  }
  const long = { long: flags.verbose, ...ownerNames(flags.numericUidGid) };
  const lines = flags.members
    ? initrd.members.flatMap((member) => listMember(member.entries, long))
    : listTree(initrd.tree, long);
  // In blocks: a listing of many thousands of paths is not built as one string.
  for (let at = 0; at < lines.length; at += 4096)
    await writeStdout(listingBytes(lines.slice(at, at + 4096), flags.raw));
}

/**
 * Members with offsets in the file (`offset`) and in the payload after any uImage header
 * (`payloadOffset` is where that payload starts), so `dd skip=OFFSET` works on the file itself.
 */
function membersToJson(initrd: Initrd) {
  return {
    payloadOffset: initrd.payloadOffset,
    wrapper: initrd.wrapper ? { name: initrd.wrapper.name, ...namedHeaderCodes(initrd.wrapper) } : null,
    members: initrd.members.map((member) => ({
      index: member.index,
      offset: initrd.payloadOffset + member.offset,
      offsetInPayload: member.offset,
      length: member.length,
      compression: member.compression,
      entries: memberEntriesToJson(member.entries),
    })),
  };
}

export async function catAction(file: string, path: string): Promise<void> {
  const initrd = await openInitrd(file, 'the initrd');
  const node = initrd.tree.lookup(path.replace(/^\/+/, '') || '.');
  if (!node) throw new InitkitError('INITRAMFS_NOT_FOUND', `${path}: no such file in ${file}`);
  if ((node.inode.mode & S_IFMT) !== S_IFREG) {
    throw new InitkitError('INITRAMFS_NOT_A_FILE', `${path} is not a regular file in ${file}`);
  }
  await writeOutput('-', node.inode.data ?? new Uint8Array(0));
}

/** Exit status as diff(1): 0 the same, 1 different, (2 trouble is a usage error or a failure). */
export async function diffAction(a: string, b: string, flags: { json?: boolean }): Promise<void> {
  const before = await openInitrd(a, 'the first initrd');
  const after = await openInitrd(b, 'the second initrd');
  const diff = diffTrees(before.tree, after.tree);
  if (flags.json) printJson(diff);
  else await writeStdout(formatDiff(diff));
  if (diff.added.length + diff.removed.length + diff.changed.length > 0) process.exitCode = EXIT_FAILURE;
}

export async function analyzeAction(file: string, flags: { json?: boolean }): Promise<void> {
  const keep = (path: string, size: number) =>
    path === 'init' || size <= 1 << 20 || /(^|\/)lib\/modules\/[^/]+\/modules\.dep$/.test(path);
  const initrd = await openInitrd(file, 'the initrd', { keepData: keep });
  const analysis = analyzeInitrd(initrd);
  if (flags.json) printJson(analysisToJson(initrd, analysis));
  else await writeStdout(formatAnalysis(analysisInFile(initrd, analysis)));
}
