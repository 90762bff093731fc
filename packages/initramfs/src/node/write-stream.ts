/**
 * A full rewrite (write.ts's 'full' mode) streamed: the merged tree comes from tree-archive.ts and is
 * compressed as it goes (gzip by node:zlib, lz4 in the 8 MiB legacy blocks the kernel reads, none as
 * is; lzma, which initkit encodes in one piece, is the one format held whole), so a 4 GiB tree needs
 * the memory of its largest file, not of the tree. The early uncompressed members are copied in pieces.
 * A wrapped initrd's uImage header depends on the payload's size and CRC: it is known once the payload
 * has been produced (`finish()`), and goes in front of it.
 */
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { type CompressionFormat, ENCODABLE_FORMATS, encode } from '@initkit/compress';
import { concatBytes, crc32 } from '@initkit/core';
import type { EditPlan } from '../edit.js';
import { initramfsError } from '../errors.js';
import { firstMainMember, type Initrd } from '../initrd.js';
import type { TreeInode } from '../tree.js';
import { rewrapHeader } from '../wrapper.js';
import type { WriteOptions } from '../write.js';
import { treeArchive } from './tree-archive.js';

export interface StreamedFullWrite {
  mode: 'full';
  compression: CompressionFormat;
  /** The payload chunk by chunk (what follows the uImage header when the input was wrapped). */
  chunks: AsyncGenerator<Uint8Array>;
  /** After `chunks` is exhausted: the uImage header to put in front (wrapped input), and the lengths. */
  finish(): { header: Uint8Array | undefined; length: number; memberLength: number };
}

const PIECE = 1 << 20;
const LZ4_BLOCK = 8 << 20;

/** The compression a full rewrite takes: the one asked for, else the main member's if encodable, else gzip. */
export function fullCompression(initrd: Initrd, asked: CompressionFormat | undefined): CompressionFormat {
  const original = initrd.members[firstMainMember(initrd.members)]?.compression;
  const format = asked ?? (original && ENCODABLE_FORMATS.includes(original) ? original : 'gzip');
  if (!ENCODABLE_FORMATS.includes(format)) {
    throw initramfsError(
      'INITRAMFS_UNSUPPORTED',
      `cannot write ${format}: initkit encodes ${ENCODABLE_FORMATS.join(', ')}`,
    );
  }
  return format;
}

/** Rewrites the edited initrd as early members plus one member holding the merged rest, streamed. */
export function writeInitrdFullStream(initrd: Initrd, plan: EditPlan, options: WriteOptions = {}): StreamedFullWrite {
  const compression = fullCompression(initrd, options.compression);
  const mainIndex = firstMainMember(initrd.members);
  const isEarly = (inode: TreeInode) => inode.member >= 0 && inode.member < mainIndex;
  const removedEarly = plan.removed.some((path) => {
    const node = initrd.tree.node(path);
    return node !== undefined && isEarly(node.inode);
  });
  let length = 0;
  let memberLength = 0;
  let crc = 0;
  let finished = false;
  const count = (chunk: Uint8Array): Uint8Array => {
    length += chunk.length;
    if (initrd.wrapper) crc = crc32(chunk, crc);
    return chunk;
  };

  async function* payload(): AsyncGenerator<Uint8Array> {
    if (mainIndex > 0) {
      if (!removedEarly) {
        const end = initrd.members[mainIndex]!.offset;
        for (let at = 0; at < end; at += PIECE) yield count(initrd.readPayload(at, Math.min(at + PIECE, end)));
      } else {
        // The early archive is a multiple of 512 bytes long, so the next member starts aligned.
        for await (const chunk of treeArchive(initrd, plan.tree, { wanted: (node) => isEarly(node.inode) })) {
          yield count(chunk);
        }
      }
    }
    const main = treeArchive(initrd, plan.tree, { wanted: (node) => !isEarly(node.inode) });
    for await (const chunk of compressStream(main, compression, options.level)) {
      memberLength += chunk.length;
      yield count(chunk);
    }
    finished = true;
  }

  return {
    mode: 'full',
    compression,
    chunks: payload(),
    finish() {
      if (!finished) throw initramfsError('INITRAMFS_BAD_OPTION', 'finish() before the payload was written');
      const header = initrd.wrapper ? rewrapHeader(initrd.wrapper, length, crc) : undefined;
      return { header, length: length + (header?.length ?? 0), memberLength };
    },
  };
}

/** Compresses a stream of chunks; memory is the compressor's window, lzma's whole input excepted. */
async function* compressStream(
  source: AsyncIterable<Uint8Array>,
  format: CompressionFormat,
  level: number | undefined,
): AsyncGenerator<Uint8Array> {
  if (format === 'none') {
    yield* source;
    return;
  }
  if (format === 'gzip') {
    const gzip = Readable.from(source, { objectMode: false }).pipe(createGzip({ level: level ?? 6 }));
    for await (const chunk of gzip) yield chunk as Uint8Array;
    return;
  }
  if (format === 'lz4') {
    // Legacy lz4 is a magic number then independent blocks of at most 8 MiB: encoding each 8 MiB
    // piece alone and dropping all but the first magic gives the stream `lz4 -l` would write.
    let block = new Uint8Array(LZ4_BLOCK);
    let filled = 0;
    let first = true;
    const flush = (): Uint8Array => {
      const encoded = encode('lz4', block.subarray(0, filled));
      filled = 0;
      const out = first ? encoded : encoded.subarray(4);
      first = false;
      return out;
    };
    for await (const chunk of source) {
      let at = 0;
      while (at < chunk.length) {
        const take = Math.min(chunk.length - at, LZ4_BLOCK - filled);
        block.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === LZ4_BLOCK) {
          yield flush();
          block = new Uint8Array(LZ4_BLOCK);
        }
      }
    }
    if (filled > 0 || first) yield flush();
    return;
  }
  // lzma: initkit's encoder takes the whole input.
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    chunks.push(chunk.slice());
    total += chunk.length;
  }
  const whole = concatBytes(chunks, total);
  yield encode(format, whole, level === undefined ? {} : { level });
}
