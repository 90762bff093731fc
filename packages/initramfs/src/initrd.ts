/**
 * An opened initrd: the optional uImage wrapper, the members in order, and the merged tree the
 * kernel would unpack from them. `readInitrd` does it all in memory from bytes (isomorphic); the Node
 * entry has a streaming reader that produces the same structure with less memory.
 */
import type { UImageHeader } from '@initkit/uimage';
import type { InitrdMember, InitrdSegment } from './member.js';
import { type ScanOptions, scanInitrd } from './scan.js';
import { MergedTree } from './tree.js';
import { type UnwrapOptions, unwrapInitrd } from './wrapper.js';

export interface Initrd {
  /** The whole input, wrapper included. */
  bytes: Uint8Array;
  /** The uImage header when the initrd was wrapped. */
  wrapper: UImageHeader | undefined;
  /** The initrd proper: the uImage payload, or all of `bytes`. */
  payload: Uint8Array;
  /** Offset of `payload` in `bytes`. */
  payloadOffset: number;
  members: InitrdMember[];
  segments: InitrdSegment[];
  /** What the kernel would unpack, members applied in order. */
  tree: MergedTree;
  /** False when some file contents were not kept by the reader (the tree has sizes but not all data). */
  complete: boolean;
}

export interface ReadInitrdOptions extends ScanOptions, UnwrapOptions {}

/** Opens an initrd held in memory: unwrap, split into members, merge. */
export function readInitrd(bytes: Uint8Array, options: ReadInitrdOptions = {}): Initrd {
  const { header, payload, payloadOffset } = unwrapInitrd(bytes, options);
  const { members, segments } = scanInitrd(payload, options, payloadOffset);
  return {
    bytes,
    wrapper: header,
    payload,
    payloadOffset,
    members,
    segments,
    tree: mergeMembers(members),
    complete: true,
  };
}

/** Applies members in order to a new tree, with the kernel's overwrite rules. */
export function mergeMembers(members: readonly InitrdMember[]): MergedTree {
  const tree = new MergedTree();
  for (const member of members) applyMember(tree, member);
  return tree;
}

export function applyMember(tree: MergedTree, member: InitrdMember): void {
  let archive = -1;
  for (const entry of member.entries) {
    if (entry.archive !== archive) {
      archive = entry.archive;
      tree.startArchive();
    }
    tree.apply(entry, member.index);
  }
}

/** Index of the first member that is not an uncompressed archive at the front (early microcode, firmware). */
export function firstMainMember(members: readonly InitrdMember[]): number {
  let index = 0;
  while (index < members.length && members[index]!.compression === 'none') index++;
  return index === members.length ? 0 : index;
}
