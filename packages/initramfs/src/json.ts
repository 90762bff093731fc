/**
 * The JSON forms of an opened initrd that `initkit initramfs list --json` and `analyze --json` print,
 * written once for the CLI and the web inspector (whose browser test compares the two): the merged
 * tree with its root's inode numbers, and the analysis with member offsets in the file.
 */
import { headerCodesToJson } from '@initkit/uimage';
import type { InitrdAnalysis } from './analyze.js';
import type { Initrd } from './initrd.js';
import { treeToJson } from './listing.js';

/**
 * The merged tree as JSON records. The root "." has no inode of its own in the merge: it shows the ino
 * and nlink of the root entry of the member it came from, as `list --members --json` shows it.
 */
export function initrdTreeToJson(initrd: Pick<Initrd, 'tree' | 'members'>): Record<string, unknown>[] {
  const records = treeToJson(initrd.tree);
  const root = records.find((record) => record.name === '.');
  if (root && typeof root.member === 'number') {
    const entry = initrd.members[root.member]?.entries.find((candidate) => candidate.name === '.');
    if (entry) Object.assign(root, { ino: entry.ino, nlink: entry.nlink });
  }
  return records;
}

/** The analysis with each member's offset in the file (`offsetInPayload` keeps the payload's own). */
export function analysisInFile(initrd: Pick<Initrd, 'payloadOffset'>, analysis: InitrdAnalysis): InitrdAnalysis {
  const members = analysis.members.map((member) => ({
    ...member,
    offset: initrd.payloadOffset + member.offset,
    offsetInPayload: member.offset,
  }));
  return { ...analysis, members };
}

/** The analysis as `analyze --json` prints it: offsets in the file, the payload's offset, the wrapper's codes named. */
export function analysisToJson(initrd: Pick<Initrd, 'payloadOffset'>, analysis: InitrdAnalysis) {
  const wrapper = analysis.wrapper && { ...analysis.wrapper, ...headerCodesToJson(analysis.wrapper) };
  return { ...analysisInFile(initrd, analysis), payloadOffset: initrd.payloadOffset, wrapper };
}
