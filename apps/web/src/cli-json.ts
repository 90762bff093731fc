/**
 * The CLI's JSON shapes for the data the page shows, field for field what `initkit uimage list --json`,
 * `initkit initramfs analyze --json` and `initkit initramfs list --json` print (apps/cli shapes them
 * after the library call). The browser test compares the page with the built CLI, so when the CLI's
 * shape changes the test says so and this file follows.
 */
import type { Initrd, InitrdAnalysis } from '@initkit/initramfs';
import { treeToJson } from '@initkit/initramfs';
import { headerCodesToJson } from '@initkit/uimage';

/** `initkit uimage list --json` (the shape lives in @initkit/uimage, which the CLI prints too). */
export { uimageToJson } from '@initkit/uimage';

/** The analysis with member offsets in the file, as `initkit initramfs analyze` prints it (text and JSON). */
export function analysisInFile(initrd: Initrd, analysis: InitrdAnalysis): InitrdAnalysis {
  const members = analysis.members.map((member) => ({
    ...member,
    offset: initrd.payloadOffset + member.offset,
    offsetInPayload: member.offset,
  }));
  return { ...analysis, members };
}

/** `initkit initramfs analyze --json`: offsets in the file, the payload's offset, the wrapper's codes named. */
export function analysisToJson(initrd: Initrd, analysis: InitrdAnalysis) {
  const wrapper = analysis.wrapper && { ...analysis.wrapper, ...headerCodesToJson(analysis.wrapper) };
  return { ...analysisInFile(initrd, analysis), payloadOffset: initrd.payloadOffset, wrapper };
}

/**
 * `initkit initramfs list --json`: the merged tree; the root "." shows the ino and nlink of the root
 * entry of the member it came from.
 */
export function treeToCliJson(initrd: Initrd): Record<string, unknown>[] {
  const records = treeToJson(initrd.tree);
  const root = records.find((record) => record.name === '.');
  if (root && typeof root.member === 'number') {
    const entry = initrd.members[root.member]?.entries.find((candidate) => candidate.name === '.');
    if (entry) Object.assign(root, { ino: entry.ino, nlink: entry.nlink });
  }
  return records;
}
