/**
 * Extracting an initrd into a directory, safely (through @initkit/cpio's extractor: nothing is written
 * outside the target, never through a symlink). Either the merged tree the kernel would unpack, or the
 * layout unmkinitramfs makes: each early uncompressed member in early/, early2/, ... and the merged
 * rest in main/ (straight into the target when there is no early member). The tree is streamed
 * (tree-archive.ts): contents the reader did not keep are read again from their members, so memory
 * does not grow with the tree. Entries the kernel would not create are reported as skipped.
 */
import { join } from 'node:path';
import { type ExtractOptions, type ExtractReport, extractCpio } from '@initkit/cpio/node';
import { firstMainMember, type Initrd, mergeMembers } from '../initrd.js';
import type { MergedTree } from '../tree.js';
import { treeArchive } from './tree-archive.js';

export interface ExtractInitrdOptions extends Pick<ExtractOptions, 'devices' | 'preserveOwners' | 'preserveTimes'> {
  /** Lay out members as unmkinitramfs does (early/, early2/, ..., main/). */
  split?: boolean;
}

/** Extracts the initrd; returns one report per directory written. */
export async function extractInitrd(
  initrd: Initrd,
  target: string,
  options: ExtractInitrdOptions = {},
): Promise<{ directory: string; report: ExtractReport }[]> {
  const extractOptions = {
    devices: options.devices,
    preserveOwners: options.preserveOwners,
    preserveTimes: options.preserveTimes,
  };
  const mainIndex = firstMainMember(initrd.members);
  const extractTree = async (tree: MergedTree, directory: string) => {
    // The target directory keeps its own mode and owner, as with cpio -i: the root entry is left out.
    const report = await extractCpio(treeArchive(initrd, tree, { omitRoot: true }), directory, extractOptions);
    // What the kernel would not have created never reached the archive: say so as cpio extract does.
    for (const dropped of tree.dropped) {
      report.skipped.push({
        name: dropped.path,
        reason: `the kernel would not create it (member ${dropped.member}): ${dropped.reason}`,
      });
    }
    return { directory, report };
  };
  if (!options.split || mainIndex === 0) return [await extractTree(initrd.tree, target)];
  const results: { directory: string; report: ExtractReport }[] = [];
  for (let index = 0; index < mainIndex; index++) {
    const directory = join(target, index === 0 ? 'early' : `early${index + 1}`);
    results.push(await extractTree(mergeMembers([initrd.members[index]!]), directory));
  }
  results.push(await extractTree(mergeMembers(initrd.members.slice(mainIndex)), join(target, 'main')));
  return results;
}
