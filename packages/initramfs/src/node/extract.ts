/**
 * Extracting an initrd into a directory, safely (through @initkit/cpio's extractor: nothing is written
 * outside the target, never through a symlink). Either the merged tree the kernel would unpack, or the
 * layout unmkinitramfs makes: each early uncompressed member in early/, early2/, ... and the merged
 * rest in main/ (straight into the target when there is no early member).
 */
import { join } from 'node:path';
import { writeCpio } from '@initkit/cpio';
import { type ExtractOptions, type ExtractReport, extractCpio } from '@initkit/cpio/node';
import { firstMainMember, type Initrd, mergeMembers } from '../initrd.js';
import { treeEntries } from '../write.js';

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
  if (!options.split || mainIndex === 0) {
    const report = await extractCpio(writeCpio(treeEntries(initrd.tree)), target, extractOptions);
    return [{ directory: target, report }];
  }
  const results: { directory: string; report: ExtractReport }[] = [];
  for (let index = 0; index < mainIndex; index++) {
    const directory = join(target, index === 0 ? 'early' : `early${index + 1}`);
    const tree = mergeMembers([initrd.members[index]!]);
    results.push({ directory, report: await extractCpio(writeCpio(treeEntries(tree)), directory, extractOptions) });
  }
  const rest = mergeMembers(initrd.members.slice(mainIndex));
  const directory = join(target, 'main');
  results.push({ directory, report: await extractCpio(writeCpio(treeEntries(rest)), directory, extractOptions) });
  return results;
}
