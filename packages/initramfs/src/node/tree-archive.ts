/**
 * The merged tree as one newc archive, streamed. File contents the reader did not keep are read again
 * from their members (decompressed as a stream) and passed through chunk by chunk as they arrive, so
 * memory stays at a few decoder buffers whatever the tree's size: extraction and full rewrites use it
 * instead of building the archive in memory.
 *
 * Entries come in the order the data allows: directories (parents first, in path order), then files
 * whose contents are at hand (kept, added by an edit, or empty), then the other files in the order
 * their members hold them, then symlinks, devices, fifos and sockets. Every parent precedes its
 * children, which is all the kernel and cpio -i need; hard links come together, the data on the first.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { decode, decodeStream, STREAMING_FORMATS } from '@initkit/compress';
import { encodeUtf8 } from '@initkit/core';
import { CpioStreamReader, encodeCpioName, ROOT_NAME, S_IFDIR, S_IFMT, S_IFREG } from '@initkit/cpio';
import { initramfsError } from '../errors.js';
import type { Initrd } from '../initrd.js';
import type { InitrdMember } from '../member.js';
import type { MergedTree, TreeInode, TreeNode } from '../tree.js';
import { countLinks, selectNodes } from '../write.js';
import { releaseDroppedBuffers } from './release-memory.js';

export interface TreeArchiveOptions {
  /** Nodes to include (the directories above them come too); default every node. */
  wanted?: (node: TreeNode) => boolean;
  /** Leave out the root entry ('.'): an extraction keeps the target directory's own mode. */
  omitRoot?: boolean;
}

const PIECE = 1 << 20;
/** Bytes passed through between two collections of the decoder's dropped chunks (release-memory.ts). */
const RELEASE_EVERY = 4 << 20;
const NEWC_HEADER_SIZE = 110;
const BLOCK_SIZE = 512;
const HEX = encodeUtf8('0123456789ABCDEF');

interface Header {
  name: string;
  inode: TreeInode;
  ino: number;
  nlink: number;
  fileSize: number;
}

/**
 * One newc header with its name and padding for an entry starting at `position`. The same layout
 * @initkit/cpio's writer produces (its header encoder is internal to that package).
 */
function newcHeader(header: Header, position: number): Uint8Array {
  // The name's own bytes: a byte that is not UTF-8 stands in the tree as its escape (decodeCpioName).
  const name = encodeCpioName(header.name);
  const unpadded = NEWC_HEADER_SIZE + name.length + 1;
  const bytes = new Uint8Array(unpadded + ((4 - ((position + unpadded) % 4)) % 4));
  bytes.set(encodeUtf8('070701'));
  const inode = header.inode;
  const fields = [
    header.ino,
    inode.mode,
    inode.uid,
    inode.gid,
    header.nlink,
    inode.mtime,
    header.fileSize,
    0,
    0,
    inode.rdevMajor,
    inode.rdevMinor,
    name.length + 1,
    0,
  ];
  for (let field = 0; field < fields.length; field++) {
    let rest = fields[field]!;
    for (let digit = 7; digit >= 0; digit--) {
      bytes[6 + field * 8 + digit] = HEX[rest & 15]!;
      rest = Math.floor(rest / 16);
    }
  }
  bytes.set(name, NEWC_HEADER_SIZE);
  return bytes;
}

/** Whether an inode's contents must be read again from its member. */
function needsMemberData(inode: TreeInode): boolean {
  return (inode.mode & S_IFMT) === S_IFREG && inode.size > 0 && inode.data === undefined;
}

/** Streams `tree` (built from `initrd`'s members) as one newc archive with its trailer. */
export async function* treeArchive(
  initrd: Initrd,
  tree: MergedTree,
  options: TreeArchiveOptions = {},
): AsyncGenerator<Uint8Array> {
  const nodes = selectNodes(tree, options.wanted).filter((node) => !(options.omitRoot && node.path === ROOT_NAME));
  const linkCounts = countLinks(nodes);
  const paths = new Map<TreeInode, string[]>();
  const numbers = new Map<TreeInode, number>();
  for (const node of nodes) {
    if (!numbers.has(node.inode)) numbers.set(node.inode, numbers.size + 1);
    const list = paths.get(node.inode);
    if (list) list.push(node.path);
    else paths.set(node.inode, [node.path]);
  }
  let position = 0;
  const header = (path: string, inode: TreeInode, fileSize: number): Uint8Array => {
    const type = inode.mode & S_IFMT;
    const nlink = type === S_IFREG ? linkCounts.get(inode)! : type === S_IFDIR ? 2 : 1;
    const bytes = newcHeader({ name: path, inode, ino: numbers.get(inode)!, nlink, fileSize }, position);
    position += bytes.length;
    return bytes;
  };
  const padding = (): Uint8Array => {
    const bytes = new Uint8Array((4 - (position % 4)) % 4);
    position += bytes.length;
    return bytes;
  };
  /** Every path of a file: the first with the data, the others as links to it. */
  function* fileInMemory(inode: TreeInode, data: Uint8Array): Generator<Uint8Array> {
    const [first, ...others] = paths.get(inode)!;
    yield header(first!, inode, data.length);
    if (data.length > 0) {
      position += data.length;
      yield data;
      yield padding();
    }
    for (const other of others) yield header(other, inode, 0);
  }

  for (const node of nodes) if ((node.inode.mode & S_IFMT) === S_IFDIR) yield header(node.path, node.inode, 0);

  // Contents read again from members, by member and entry position.
  const pending = new Map<number, Map<number, TreeInode>>();
  const done = new Set<TreeInode>();
  for (const node of nodes) {
    const inode = node.inode;
    if ((inode.mode & S_IFMT) !== S_IFREG || done.has(inode)) continue;
    done.add(inode);
    if (!needsMemberData(inode)) {
      yield* fileInMemory(inode, inode.data ?? new Uint8Array(0));
      continue;
    }
    const source = inode.source;
    if (source === undefined) {
      throw initramfsError('INITRAMFS_DATA_NOT_KEPT', `the contents of ${node.path} were not read and have no source`);
    }
    const entries = pending.get(source.member) ?? new Map<number, TreeInode>();
    pending.set(source.member, entries);
    entries.set(source.entry, inode);
  }
  for (const memberIndex of [...pending.keys()].sort((a, b) => a - b)) {
    const wanted = pending.get(memberIndex)!;
    const member = initrd.members[memberIndex];
    if (!member) throw initramfsError('INITRAMFS_DATA_NOT_KEPT', `member ${memberIndex} is not in the initrd`);
    const reader = new CpioStreamReader(memberBytes(initrd, member), { concatenated: true });
    let index = 0;
    for await (const record of reader) {
      const inode = wanted.get(index++);
      if (inode === undefined) continue;
      wanted.delete(index - 1);
      if (record.fileSize !== inode.size) {
        throw initramfsError(
          'INITRAMFS_CHANGED',
          `member ${memberIndex} entry ${index - 1} (${record.name}) now holds ${record.fileSize} bytes, ${inode.size} were read before: the file changed`,
        );
      }
      const [first, ...others] = paths.get(inode)!;
      yield header(first!, inode, inode.size);
      let sinceRelease = 0;
      for await (const chunk of record.chunks()) {
        position += chunk.length;
        yield chunk;
        sinceRelease += chunk.length;
        if (sinceRelease >= RELEASE_EVERY) {
          sinceRelease = 0;
          releaseDroppedBuffers();
        }
      }
      yield padding();
      for (const other of others) yield header(other, inode, 0);
      if (wanted.size === 0) break;
    }
    if (wanted.size > 0) {
      throw initramfsError(
        'INITRAMFS_CHANGED',
        `member ${memberIndex} ended before entry ${[...wanted.keys()][0]}: the file changed since it was read`,
      );
    }
  }

  for (const node of nodes) {
    const type = node.inode.mode & S_IFMT;
    if (type === S_IFDIR || type === S_IFREG) continue;
    const data = node.inode.data ?? new Uint8Array(0);
    yield header(node.path, node.inode, data.length);
    if (data.length > 0) {
      position += data.length;
      yield data;
      yield padding();
    }
  }
  const trailer = newcHeader(
    {
      name: 'TRAILER!!!',
      inode: { mode: 0, uid: 0, gid: 0, mtime: 0, rdevMajor: 0, rdevMinor: 0, size: 0, data: undefined, member: -1 },
      ino: 0,
      nlink: 1,
      fileSize: 0,
    },
    position,
  );
  position += trailer.length;
  yield trailer;
  yield new Uint8Array((BLOCK_SIZE - (position % BLOCK_SIZE)) % BLOCK_SIZE);
}

/** A member's payload bytes, piece by piece. */
function* memberPieces(initrd: Initrd, member: InitrdMember): Generator<Uint8Array> {
  const end = member.offset + member.length;
  for (let at = member.offset; at < end; at += PIECE) yield initrd.readPayload(at, Math.min(at + PIECE, end));
}

/**
 * A member's cpio bytes: as stored, inflated by node:zlib, or decoded by @initkit/compress (as a stream
 * for the formats it streams). The output bound is the size the first reading found.
 */
async function* memberBytes(initrd: Initrd, member: InitrdMember): AsyncGenerator<Uint8Array> {
  const format = member.compression;
  if (format === 'none') {
    yield* memberPieces(initrd, member);
    return;
  }
  if (format === 'gzip') {
    const gunzip = Readable.from(memberPieces(initrd, member), { objectMode: false }).pipe(
      createGunzip({ chunkSize: 1 << 18 }),
    );
    try {
      yield* gunzip;
    } finally {
      gunzip.destroy();
    }
    return;
  }
  const limits = { format, maxOutputBytes: member.uncompressedSize, maxRatio: Number.POSITIVE_INFINITY };
  if (STREAMING_FORMATS.includes(format)) {
    yield* decodeStream(memberPieces(initrd, member), limits);
    return;
  }
  yield decode(initrd.readPayload(member.offset, member.offset + member.length), limits).output;
}
