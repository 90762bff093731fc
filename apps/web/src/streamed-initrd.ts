/**
 * Initrds opened in the worker without reading the whole file: the File is read by position
 * (Blob.slice through FileReaderSync, which dedicated workers have) and its members streamed by
 * @initkit/initramfs's openInitrdSource, keeping file contents only where the analysis needs them (as
 * `initkit initramfs analyze` keeps them); any other file's contents are read back on demand by
 * slicing the File again at its member and decoding that member.
 */
import { decode, decodeStream, detect, STREAMING_FORMATS } from '@initkit/compress';
import { concatBytes, crc32, crc64, InitkitError } from '@initkit/core';
import { S_IFMT, S_IFREG } from '@initkit/cpio';
import {
  type DataSource,
  diffTrees,
  type Initrd,
  type InitrdSource,
  isCpioMagic,
  openInitrdSource,
  readEntryData,
  type TreeDiff,
  type TreeInode,
} from '@initkit/initramfs';
import {
  formatListing,
  isUImage,
  parseHeader,
  UIMAGE_HEADER_SIZE,
  UIMAGE_TYPE,
  type UImage,
  uimageToJson,
} from '@initkit/uimage';
import { analysisSection, type Inspection, isCompressedModule } from './inspect.js';

/** An initrd as the worker keeps it: the parsed metadata and the File to read contents from. */
export interface StreamedInitrd {
  initrd: Initrd;
  source: InitrdSource;
}

/** Bytes of the file read so far, and the total. */
export type ByteProgress = (stage: 'checking' | 'decoding', done: number, total: number) => void;

/** Workers' synchronous Blob reader (not in TypeScript's DOM library, which this project compiles with). */
declare const FileReaderSync: new () => { readAsArrayBuffer(blob: Blob): ArrayBuffer };

/** A File read by position (synchronously: FileReaderSync exists in dedicated workers only). */
export function fileSource(file: Blob): InitrdSource {
  const reader = new FileReaderSync();
  return {
    size: file.size,
    read: (start, end) => new Uint8Array(reader.readAsArrayBuffer(file.slice(start, end))),
  };
}

/** As `initkit initramfs analyze`: /init, modules.dep, and (read back after) what /init leads to when small. */
const ANALYSIS_FILE_BYTES = 1 << 20;
const MODULES_DEP = /(^|\/)lib\/modules\/[^/]+\/modules\.dep$/;
const keepForAnalysis = (path: string, size: number) =>
  path === 'init' || (MODULES_DEP.test(path) && size <= 256 << 20);

/**
 * Whether the file's first bytes say "initrd" (a ramdisk uImage, a cpio archive, or compressed bytes
 * that may hold one). Compressed bytes that do not decode to a cpio archive are inspected as a
 * compressed file instead (`notAnInitrd`).
 */
export function mayBeInitrd(name: string, source: InitrdSource): boolean {
  const head = source.read(0, Math.min(source.size, 64));
  if (isUImage(head)) {
    if (parseHeader(head).type !== UIMAGE_TYPE.ramdisk || source.size < UIMAGE_HEADER_SIZE + 6) return false;
    const payload = source.read(UIMAGE_HEADER_SIZE, Math.min(source.size, UIMAGE_HEADER_SIZE + 16));
    return isCpioMagic(payload, 0) || detect(payload).format !== 'unknown';
  }
  return isCpioMagic(head, 0) || (detect(head.subarray(0, 16)).format !== 'unknown' && !isCompressedModule(name));
}

/** True when the compressed data at `offset` decodes to something other than a cpio archive. */
async function decodesToOtherThanCpio(source: InitrdSource, offset: number): Promise<boolean> {
  const head = source.read(offset, Math.min(source.size, offset + 16));
  if (isCpioMagic(head, 0)) return false;
  const format = detect(head).format;
  let start: Uint8Array = new Uint8Array(0);
  try {
    if (format !== 'unknown' && format !== 'cpio' && format !== 'none' && STREAMING_FORMATS.includes(format)) {
      // The first decoded bytes are enough: no need to decode the whole file.
      const pieces = (function* () {
        for (let at = offset; at < source.size; at += 1 << 16)
          yield source.read(at, Math.min(at + (1 << 16), source.size));
      })();
      for await (const chunk of decodeStream(pieces, { format })) {
        start = concatBytes([start, chunk]);
        if (start.length >= 6) break;
      }
    } else {
      // bzip2, lzo, lz4: no streaming decoder (and rarely large).
      start = decode(source.read(offset, source.size)).output.subarray(0, 6);
    }
  } catch {
    // Damaged data: the initrd reader's error stands.
    return false;
  }
  return start.length >= 6 && !isCpioMagic(start, 0);
}

/**
 * Opens the initrd in `file`, or undefined when its compressed data holds no cpio archive (then it is
 * some other compressed file). A damaged initrd throws the reader's error.
 */
export async function openStreamedInitrd(
  source: InitrdSource,
  onProgress: ByteProgress,
): Promise<StreamedInitrd | undefined> {
  let initrd: Initrd;
  try {
    initrd = await openInitrdSource(source, {
      keepData: keepForAnalysis,
      onProgress: (done, total, phase) => onProgress(phase === 'checksum' ? 'checking' : 'decoding', done, total),
    });
  } catch (error) {
    const head = source.read(0, Math.min(source.size, 64));
    const offset = isUImage(head) ? UIMAGE_HEADER_SIZE : 0;
    if (
      error instanceof InitkitError &&
      error.code !== 'UIMAGE_BAD_DCRC' &&
      (await decodesToOtherThanCpio(source, offset))
    ) {
      return undefined;
    }
    throw error;
  }
  const streamed = { initrd, source };
  await readBackInit(streamed);
  return streamed;
}

/** What /init leads to, when it is a small regular file whose contents were not kept (the CLI keeps them). */
async function readBackInit({ initrd, source }: StreamedInitrd): Promise<void> {
  const init = initrd.tree.lookup('init');
  if (!init || (init.inode.mode & S_IFMT) !== S_IFREG || init.inode.data !== undefined) return;
  if (init.inode.size > ANALYSIS_FILE_BYTES && init.path !== 'init') return;
  await withContents(init.inode, { initrd, source });
}

/** Sets an inode's data from its member when it was not kept; returns it. */
async function withContents(inode: TreeInode, { initrd, source }: StreamedInitrd): Promise<Uint8Array> {
  if (inode.data !== undefined) return inode.data;
  if (inode.size === 0 || !inode.source) return new Uint8Array(0);
  let data: Uint8Array = new Uint8Array(0);
  await readEntryData(initrd, source, [inode.source], (_entry, bytes) => {
    data = bytes;
  });
  inode.data = data;
  return data;
}

/** The page's inspection of an opened initrd: the uImage header when wrapped, the analysis and the tree. */
export function streamedInspection(
  name: string,
  { initrd }: StreamedInitrd,
  onStage: (stage: string) => void,
): Inspection {
  const base = { name, size: initrd.size };
  const section = analysisSection(initrd, onStage);
  if (initrd.wrapper) {
    // A ramdisk image has no file table: the header and the payload's size are the listing.
    const image: UImage = {
      header: initrd.wrapper,
      payload: new Uint8Array(0),
      files: [],
      dataCrcOk: initrd.payloadCrc === initrd.wrapper.dataCrc,
      trailing: 0,
    };
    const json = uimageToJson({ ...image, files: [{ length: initrd.wrapper.size }] });
    return {
      ...base,
      kind: 'initrd',
      summary: 'initrd in a uImage (uInitrd)',
      uimage: { listing: formatListing(image), json },
      initrd: section,
    };
  }
  const plain = initrd.members.length === 1 && initrd.members[0]!.compression === 'none';
  return {
    ...base,
    kind: plain ? 'cpio' : 'initrd',
    summary: plain ? 'cpio archive' : `initrd (${initrd.members.map((m) => m.compression).join(' + ')})`,
    initrd: section,
  };
}

/** A file's contents (read back from its member when they were not kept); a copy the caller may transfer. */
export async function readTreeFile(streamed: StreamedInitrd, path: string): Promise<Uint8Array> {
  const node = streamed.initrd.tree.lookup(path);
  if (!node) throw new InitkitError('INITRAMFS_NOT_FOUND', `${path}: no such file in the initrd`);
  if (node.inode.data !== undefined) return node.inode.data.slice();
  if (node.inode.size === 0 || !node.inode.source) return new Uint8Array(0);
  let data: Uint8Array = new Uint8Array(0);
  await readEntryData(streamed.initrd, streamed.source, [node.inode.source], (_entry, bytes) => {
    data = bytes;
  });
  return data;
}

/**
 * `initramfs diff` of two streamed initrds. diffTrees compares contents byte for byte, and contents
 * were not kept: regular files of the same size at the same path are compared by a digest of their
 * contents (CRC-32 and CRC-64 together), read back member by member, held only as long as the diff.
 */
export async function diffStreamed(a: StreamedInitrd, b: StreamedInitrd): Promise<TreeDiff> {
  const pairs: [TreeInode, TreeInode][] = [];
  for (const node of b.initrd.tree.list()) {
    const old = a.initrd.tree.node(node.path);
    if (!old) continue;
    const isFile = (inode: TreeInode) => (inode.mode & S_IFMT) === S_IFREG;
    if (isFile(old.inode) && isFile(node.inode) && old.inode.size === node.inode.size && node.inode.size > 0) {
      pairs.push([old.inode, node.inode]);
    }
  }
  const [before, after] = await Promise.all([
    digests(
      a,
      pairs.map(([inode]) => inode),
    ),
    digests(
      b,
      pairs.map(([, inode]) => inode),
    ),
  ]);
  // diffTrees reads `data`: digests stand in for the contents while it runs, then the kept data returns.
  const saved = pairs.flatMap(([x, y]) => [
    [x, x.data],
    [y, y.data],
  ]) as [TreeInode, Uint8Array | undefined][];
  try {
    for (const [x, y] of pairs) {
      x.data = before.get(x);
      y.data = after.get(y);
    }
    return diffTrees(a.initrd.tree, b.initrd.tree);
  } finally {
    for (const [inode, data] of saved) inode.data = data;
  }
}

function digestOf(data: Uint8Array): Uint8Array {
  const digest = new Uint8Array(12);
  const view = new DataView(digest.buffer);
  view.setUint32(0, crc32(data));
  view.setBigUint64(4, crc64(data));
  return digest;
}

async function digests({ initrd, source }: StreamedInitrd, inodes: TreeInode[]): Promise<Map<TreeInode, Uint8Array>> {
  const result = new Map<TreeInode, Uint8Array>();
  const bySource = new Map<string, TreeInode[]>();
  const wanted: DataSource[] = [];
  for (const inode of inodes) {
    if (inode.data !== undefined) {
      result.set(inode, digestOf(inode.data));
      continue;
    }
    if (!inode.source) continue;
    const key = `${inode.source.member}:${inode.source.entry}`;
    if (!bySource.has(key)) {
      bySource.set(key, []);
      wanted.push(inode.source);
    }
    bySource.get(key)!.push(inode);
  }
  await readEntryData(initrd, source, wanted, (entry, data) => {
    const digest = digestOf(data);
    for (const inode of bySource.get(`${entry.member}:${entry.entry}`) ?? []) result.set(inode, digest);
  });
  return result;
}
