/**
 * Writing an edited initrd, in two modes. Append keeps the original bytes untouched and adds one small
 * member carrying only the change (the kernel's overwrite rules do the rest); full rewrites the merged
 * tree into one member in a chosen compression, keeping the early uncompressed members (microcode,
 * firmware) in front as they were. A wrapped input comes back in a uImage with the original's header
 * fields. The result is a list of parts to write in order; the original's bytes appear as a range of
 * its payload, so an initrd that is not held in memory is copied, never loaded whole.
 */
import { type CompressionFormat, ENCODABLE_FORMATS, encode } from '@initkit/compress';
import { crc32 } from '@initkit/core';
import { type CpioEntryInput, ROOT_NAME, S_IFDIR, S_IFMT, S_IFREG, writeCpio } from '@initkit/cpio';
import type { EditPlan } from './edit.js';
import { initramfsError } from './errors.js';
import { firstMainMember, type Initrd } from './initrd.js';
import type { InitrdMember } from './member.js';
import type { MergedTree, TreeInode, TreeNode } from './tree.js';
import { rewrapHeader } from './wrapper.js';

export type WriteMode = 'append' | 'full';

export interface WriteOptions {
  /** 'append' (default) or 'full'. */
  mode?: WriteMode;
  /** Compression of the new member: default, the original's when initkit can encode it, else gzip. */
  compression?: CompressionFormat;
  /** Compression level (gzip and lzma 1-9). */
  level?: number;
}

/** A stretch of the original initrd's payload, copied as it is. */
export interface PayloadRange {
  payloadStart: number;
  payloadEnd: number;
}

export type OutputPart = Uint8Array | PayloadRange;

export interface WriteResult {
  /** The output, as parts to write one after the other. */
  parts: OutputPart[];
  /** Total bytes. */
  length: number;
  mode: WriteMode;
  compression: CompressionFormat;
  /** Bytes of the new (appended or rewritten) member, compressed. */
  memberLength: number;
}

/** The compression an appended member takes: the last compressed member's, if encodable, else gzip. */
export function appendCompression(members: readonly InitrdMember[]): CompressionFormat {
  const compressed = members.filter((member) => member.compression !== 'none');
  if (compressed.length === 0) return members.length > 0 ? 'none' : 'gzip';
  const last = compressed[compressed.length - 1]!.compression;
  return ENCODABLE_FORMATS.includes(last) ? last : 'gzip';
}

function checkEncodable(format: CompressionFormat): void {
  if (!ENCODABLE_FORMATS.includes(format)) {
    throw initramfsError(
      'INITRAMFS_UNSUPPORTED',
      `cannot write ${format}: initkit encodes ${ENCODABLE_FORMATS.join(', ')}`,
    );
  }
}

function partLength(part: OutputPart): number {
  return part instanceof Uint8Array ? part.length : part.payloadEnd - part.payloadStart;
}

/**
 * The output's bytes in order, payload ranges read in pieces of at most `pieceSize` into one reused
 * buffer: use (write) each chunk before asking for the next.
 */
export function* outputChunks(
  initrd: Initrd,
  parts: readonly OutputPart[],
  pieceSize = 1 << 20,
): Generator<Uint8Array> {
  let buffer: Uint8Array | undefined;
  for (const part of parts) {
    if (part instanceof Uint8Array) {
      yield part;
      continue;
    }
    for (let start = part.payloadStart; start < part.payloadEnd; start += pieceSize) {
      const end = Math.min(start + pieceSize, part.payloadEnd);
      if (!initrd.payload) buffer ??= new Uint8Array(pieceSize);
      yield initrd.readPayload(start, end, buffer);
    }
  }
}

/** The whole output in one array (parts that are payload ranges read from the initrd). */
export function concatParts(parts: readonly OutputPart[], initrd?: Initrd): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + partLength(part), 0));
  let position = 0;
  for (const part of parts) {
    let bytes: Uint8Array;
    if (part instanceof Uint8Array) bytes = part;
    else if (initrd) bytes = initrd.readPayload(part.payloadStart, part.payloadEnd);
    else throw initramfsError('INITRAMFS_BAD_OPTION', 'concatParts needs the initrd to copy its original bytes');
    out.set(bytes, position);
    position += bytes.length;
  }
  return out;
}

/** Writes the edited initrd. */
export function writeInitrd(initrd: Initrd, plan: EditPlan, options: WriteOptions = {}): WriteResult {
  return (options.mode ?? 'append') === 'append'
    ? writeAppend(initrd, plan, options)
    : writeFull(initrd, plan, options);
}

function compressMember(archive: Uint8Array, format: CompressionFormat, level: number | undefined): Uint8Array {
  checkEncodable(format);
  if (format === 'none') return archive;
  return encode(format, archive, level === undefined ? {} : { level });
}

function writeAppend(initrd: Initrd, plan: EditPlan, options: WriteOptions): WriteResult {
  if (plan.removed.length > 0) {
    throw initramfsError(
      'INITRAMFS_APPEND_CANNOT_REMOVE',
      `removing ${plan.removed[0]}${plan.removed.length > 1 ? ` (and ${plan.removed.length - 1} more)` : ''} cannot be expressed by appending a member: use full mode`,
    );
  }
  const compression = options.compression ?? appendCompression(initrd.members);
  const original: PayloadRange = { payloadStart: 0, payloadEnd: initrd.payloadLength };
  // Nothing to add (modules already there, say): the original unchanged, not an empty member after it.
  if (plan.entries.length === 0) return finish(initrd, [original], 'append', compression, 0);
  const archive = writeCpio(
    plan.entries.map((entry) => ({ ...entry, name: entry.path })),
    { inodeStart: 1 },
  );
  const member = compressMember(archive, compression, options.level);
  const padding = new Uint8Array(appendPadding(initrd, compression));
  return finish(initrd, [original, padding, member], 'append', compression, member.length);
}

/** Formats whose own tools read members that follow one another with nothing between them. */
const JOINABLE_FORMATS: readonly CompressionFormat[] = ['gzip', 'zstd', 'xz', 'lz4', 'bzip2'];

/**
 * NUL bytes between the original and the appended member. A member of the same joinable format as the
 * original's last follows it directly: the kernel takes members either way, but gzip -t, zstd -t and
 * lz4cat (so lsinitramfs and unmkinitramfs) call any NUL between them trailing garbage and read
 * nothing. Otherwise NULs up to a 4-byte boundary (where an uncompressed archive must start), at
 * least one, so the new member never reads as a continuation of the last one.
 */
export function appendPadding(initrd: Initrd, compression: CompressionFormat): number {
  const last = initrd.members[initrd.members.length - 1];
  const endsWithLast = last !== undefined && last.offset + last.length === initrd.payloadLength;
  if (endsWithLast && last.compression === compression && JOINABLE_FORMATS.includes(compression)) return 0;
  return 4 - (initrd.payloadLength % 4);
}

function writeFull(initrd: Initrd, plan: EditPlan, options: WriteOptions): WriteResult {
  const members = initrd.members;
  const mainIndex = firstMainMember(members);
  const removedEarly = plan.removed.some((path) => {
    const node = initrd.tree.node(path);
    return node !== undefined && node.inode.member >= 0 && node.inode.member < mainIndex;
  });
  const parts: OutputPart[] = [];
  const isEarly = (inode: TreeInode) => inode.member >= 0 && inode.member < mainIndex;
  if (mainIndex > 0) {
    if (!removedEarly) parts.push(initrd.readPayload(0, members[mainIndex]!.offset));
    else {
      const early = writeCpio(
        treeEntries(plan.tree, (node) => isEarly(node.inode)),
        { inodeStart: 1 },
      );
      parts.push(early, new Uint8Array((4 - (early.length % 4)) % 4));
    }
  }
  const originalMain = members[mainIndex]?.compression;
  const compression =
    options.compression ?? (originalMain && ENCODABLE_FORMATS.includes(originalMain) ? originalMain : 'gzip');
  const archive = writeCpio(
    treeEntries(plan.tree, (node) => !isEarly(node.inode)),
    { inodeStart: 1 },
  );
  const member = compressMember(archive, compression, options.level);
  parts.push(member);
  return finish(initrd, parts, 'full', compression, member.length);
}

/**
 * The tree as archive entries, parents first: the nodes `wanted` selects and the directories above
 * them. Hard links stay links (one inode number, data on the last link).
 */
export function treeEntries(tree: MergedTree, wanted: (node: TreeNode) => boolean = () => true): CpioEntryInput[] {
  const nodes = selectNodes(tree, wanted);
  const linkCounts = countLinks(nodes);
  const inodeNumbers = new Map<TreeInode, number>();
  const entries: CpioEntryInput[] = [];
  for (const node of nodes) {
    const inode = node.inode;
    const type = inode.mode & S_IFMT;
    if (inode.data === undefined && inode.size > 0) {
      throw initramfsError('INITRAMFS_DATA_NOT_KEPT', `the contents of ${node.path} were not read, cannot rewrite it`);
    }
    let ino = inodeNumbers.get(inode);
    if (ino === undefined) {
      ino = inodeNumbers.size + 1;
      inodeNumbers.set(inode, ino);
    }
    const links = type === S_IFREG ? linkCounts.get(inode)! : type === S_IFDIR ? 2 : 1;
    entries.push({
      name: node.path,
      mode: inode.mode,
      uid: inode.uid,
      gid: inode.gid,
      mtime: inode.mtime,
      nlink: links,
      ino,
      devMajor: 0,
      devMinor: 0,
      rdevMajor: inode.rdevMajor,
      rdevMinor: inode.rdevMinor,
      data: inode.data ?? new Uint8Array(0),
    });
  }
  return entries;
}

/** The nodes `wanted` selects and the directories above them, parents first, in path order. */
export function selectNodes(tree: MergedTree, wanted: (node: TreeNode) => boolean = () => true): TreeNode[] {
  const nodes = tree.list();
  const keep = new Set<string>();
  for (const node of nodes) {
    if (!wanted(node)) continue;
    keep.add(node.path);
    let path = node.path;
    while (path !== ROOT_NAME) {
      const slash = path.lastIndexOf('/');
      path = slash < 0 ? ROOT_NAME : path.slice(0, slash);
      if (keep.has(path)) break;
      keep.add(path);
    }
  }
  return nodes.filter((node) => keep.has(node.path));
}

/** How many of `nodes` share each inode (a regular file's nlink). */
export function countLinks(nodes: readonly TreeNode[]): Map<TreeInode, number> {
  const counts = new Map<TreeInode, number>();
  for (const node of nodes) counts.set(node.inode, (counts.get(node.inode) ?? 0) + 1);
  return counts;
}

function finish(
  initrd: Initrd,
  payloadParts: OutputPart[],
  mode: WriteMode,
  compression: CompressionFormat,
  memberLength: number,
): WriteResult {
  const parts = payloadParts.filter((part) => partLength(part) > 0);
  if (initrd.wrapper) {
    // The data CRC runs over the new payload; the original's part continues from its known CRC.
    let crc = 0;
    for (const part of parts) {
      if (part instanceof Uint8Array) crc = crc32(part, crc);
      else if (
        part.payloadStart === 0 &&
        part.payloadEnd === initrd.payloadLength &&
        initrd.payloadCrc !== undefined &&
        crc === 0
      ) {
        crc = initrd.payloadCrc;
      } else {
        for (const chunk of outputChunks(initrd, [part])) crc = crc32(chunk, crc);
      }
    }
    const size = parts.reduce((sum, part) => sum + partLength(part), 0);
    parts.unshift(rewrapHeader(initrd.wrapper, size, crc));
  }
  return { parts, length: parts.reduce((sum, part) => sum + partLength(part), 0), mode, compression, memberLength };
}
