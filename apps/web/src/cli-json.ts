/**
 * The CLI's JSON shapes for the data the page shows, field for field what `initkit uimage list --json`,
 * `initkit initramfs analyze --json` and `initkit initramfs list --json` print (apps/cli shapes them
 * after the library call). The browser test compares the page with the built CLI, so when the CLI's
 * shape changes the test says so and this file follows.
 */
import type { Initrd, InitrdAnalysis } from '@initkit/initramfs';
import { treeToJson } from '@initkit/initramfs';
import { type CodeCategory, hasFileTable, shortName, UIMAGE_HEADER_SIZE, type UImage } from '@initkit/uimage';

const hex32 = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;

/** A coded header field as `{ code, name }` (mkimage's short name, or null). */
function namedCode(category: CodeCategory, code: number) {
  return { code, name: shortName(category, code) ?? null };
}

function namedHeaderCodes(header: { os: number; arch: number; type: number; compression: number }) {
  return {
    os: namedCode('os', header.os),
    arch: namedCode('arch', header.arch),
    type: namedCode('type', header.type),
    compression: namedCode('comp', header.compression),
  };
}

/** `initkit uimage list --json`: every header field, codes as { code, name }, where each file lies in the image. */
export function uimageToJson(image: Pick<UImage, 'header' | 'dataCrcOk'> & { files: readonly { length: number }[] }) {
  const { header } = image;
  let offset = UIMAGE_HEADER_SIZE + (hasFileTable(header.type) ? 4 * (image.files.length + 1) : 0);
  const files = image.files.map((file, index) => {
    const entry = { index, offset, size: file.length };
    offset += file.length + ((4 - (file.length % 4)) % 4);
    return entry;
  });
  return {
    name: header.name,
    created: new Date(header.time * 1000).toISOString(),
    time: header.time,
    ...namedHeaderCodes(header),
    size: header.size,
    payloadOffset: UIMAGE_HEADER_SIZE,
    loadAddress: hex32(header.load),
    entryPoint: hex32(header.entry),
    headerCrc: hex32(header.headerCrc),
    dataCrc: hex32(header.dataCrc),
    dataCrcOk: image.dataCrcOk,
    files,
  };
}

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
  const wrapper = analysis.wrapper && { ...analysis.wrapper, ...namedHeaderCodes(analysis.wrapper) };
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
