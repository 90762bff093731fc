/**
 * An opened initrd: the optional uImage wrapper, the members in order, and the merged tree the
 * kernel would unpack from them. `parseInitrd` does it all in memory from bytes (isomorphic); the Node
 * entry has a streaming reader that produces the same structure with less memory.
 */
import { crc32 } from '@initkit/core';
import type { UImageHeader } from '@initkit/uimage';
import type { InitrdMember, InitrdSegment } from './member.js';
import { type ScanOptions, scanInitrd } from './scan.js';
import { MergedTree } from './tree.js';
import { type UnwrapOptions, type Unwrapped, unwrapInitrd } from './wrapper.js';

export interface Initrd {
  /** Bytes of the whole input, wrapper included. */
  size: number;
  /** The whole input, when it is held in memory (a file read as a stream is not). */
  bytes: Uint8Array | undefined;
  /** The uImage header when the initrd was wrapped. */
  wrapper: UImageHeader | undefined;
  /** The initrd proper (the uImage payload, or all of `bytes`), when held in memory. */
  payload: Uint8Array | undefined;
  /** Offset of the payload in the input. */
  payloadOffset: number;
  payloadLength: number;
  /** CRC-32 of the payload when it was computed (always for a wrapped initrd). */
  payloadCrc: number | undefined;
  /**
   * Bytes `start` to `end` of the payload: a view of `payload`, or read from where the initrd came
   * from (into `target` when given and large enough, else a new array).
   */
  readPayload: (start: number, end: number, target?: Uint8Array) => Uint8Array;
  members: InitrdMember[];
  segments: InitrdSegment[];
  /** What the kernel would unpack, members applied in order. */
  tree: MergedTree;
  /** False when some file contents were not kept by the reader (the tree has sizes but not all data). */
  complete: boolean;
}

export interface ReadInitrdOptions extends ScanOptions, UnwrapOptions {}

/**
 * Parses an initrd held in memory: unwrap, split into members, merge. With `openInitrdFile` (Node, a
 * file read piece by piece) the one way to open an initrd.
 */
export function parseInitrd(bytes: Uint8Array, options: ReadInitrdOptions = {}): Initrd {
  const unwrapped = unwrapInitrd(bytes, options);
  const { members, segments } = scanInitrd(unwrapped.payload, options, unwrapped.payloadOffset);
  return heldInitrd(bytes, unwrapped, { members, segments, tree: mergeMembers(members), complete: true });
}

/** An Initrd whose bytes are held in memory, from its unwrapped payload and the members read from it. */
export function heldInitrd(
  bytes: Uint8Array,
  { header, payload, payloadOffset, dataCrcOk }: Unwrapped,
  read: Pick<Initrd, 'members' | 'segments' | 'tree' | 'complete'>,
): Initrd {
  return {
    size: bytes.length,
    bytes,
    wrapper: header,
    payload,
    payloadOffset,
    payloadLength: payload.length,
    payloadCrc: header ? (dataCrcOk ? header.dataCrc : crc32(payload)) : undefined,
    readPayload: (start, end) => payload.subarray(start, end),
    ...read,
  };
}

/** @deprecated Use `parseInitrd` (the verb table: parse for bytes in memory). */
export function readInitrd(bytes: Uint8Array, options: ReadInitrdOptions = {}): Initrd {
  return parseInitrd(bytes, options);
}

/** Applies members in order to a new tree, with the kernel's overwrite rules. */
export function mergeMembers(members: readonly InitrdMember[]): MergedTree {
  const tree = new MergedTree();
  for (const member of members) applyMember(tree, member);
  return tree;
}

export function applyMember(tree: MergedTree, member: InitrdMember): void {
  let archive = -1;
  const entries = member.entries;
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!;
    if (entry.archive !== archive) {
      archive = entry.archive;
      tree.startArchive();
    }
    tree.apply(entry, member.index, index);
  }
}

/** Index of the first member that is not an uncompressed archive at the front (early microcode, firmware). */
export function firstMainMember(members: readonly InitrdMember[]): number {
  let index = 0;
  while (index < members.length && members[index]!.compression === 'none') index++;
  return index === members.length ? 0 : index;
}
