/**
 * bench/cpio: a ~90 MiB newc archive of ~1,500 system files (copied from /usr into bench/work) is
 * listed by the library in process (file read included) vs `bsdtar -tf`, and by the whole
 * `initkit cpio list` process vs `cpio -t`; the tree is packed by `initkit cpio create` vs
 * `find . | cpio -o -H newc`; and a 1 GiB archive is stream-listed under GNU time for peak RSS.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { CpioReader, CpioWriter } from '@initkit/cpio';
import { CpioFileReader, packDirectoryToFile } from '@initkit/cpio/node';
import { compare, ensureWorkDir, initkitCommand, measured, peakRssKiB, report, runShell, shell } from './harness.js';

const MiB = 1024 * 1024;
const directory = ensureWorkDir('cpio');
const tree = join(directory, 'tree');
const archive = join(directory, 'system-90m.cpio');
const bigArchive = join(directory, 'stream-1g.cpio');

/** Regular files under /usr, in path order, as candidates for the tree. */
function candidates(root: string, found: { path: string; size: number }[], limit: number): void {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (found.length >= limit) return;
    const path = join(root, name);
    const stats = lstatSync(path);
    if (stats.isDirectory()) candidates(path, found, limit);
    else if (stats.isFile() && stats.size >= 1024) found.push({ path, size: stats.size });
  }
}

function buildTree(): { files: number; bytes: number } {
  const found: { path: string; size: number }[] = [];
  for (const root of ['/usr/lib', '/usr/bin', '/usr/share', '/usr/libexec', '/usr/sbin'])
    candidates(root, found, 200_000);
  // Take ~1,500 files averaging ~60 KiB: every n-th candidate of moderate size, then larger ones to reach 90 MiB.
  const moderate = found.filter((file) => file.size <= 512 * 1024);
  const step = Math.max(1, Math.floor(moderate.length / 1450));
  const chosen = moderate.filter((_, index) => index % step === 0).slice(0, 1450);
  let bytes = chosen.reduce((sum, file) => sum + file.size, 0);
  for (const file of found.filter((candidate) => candidate.size > 512 * 1024 && candidate.size < 8 * MiB)) {
    if (bytes >= 90 * MiB || chosen.length >= 1550) break;
    chosen.push(file);
    bytes += file.size;
  }
  for (const file of chosen) {
    const target = join(tree, file.path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file.path, target);
  }
  return { files: chosen.length, bytes };
}

if (!existsSync(archive)) {
  const built = buildTree();
  console.log(`tree: ${built.files} files, ${(built.bytes / MiB).toFixed(1)} MiB`);
  await runShell(`cd ${tree} && find . | cpio -o -H newc --quiet > ${archive}`);
}

/** 1 GiB: 64 files of 16 MiB (one buffer, written 64 times) plus small entries between them. */
if (!existsSync(bigArchive)) {
  const descriptor = openSync(bigArchive, 'w');
  const writer = new CpioWriter({ sink: (chunk) => writeSync(descriptor, chunk) });
  const block = new Uint8Array(16 * MiB).fill(0x5a);
  const base = { uid: 0, gid: 0, nlink: 1, mtime: 1700000000, devMajor: 0, devMinor: 0, rdevMajor: 0, rdevMinor: 0 };
  for (let i = 0; i < 64; i++) {
    const name = new TextEncoder().encode(`big/file-${i}`);
    writer.add({ ...base, ino: 2 * i + 1, mode: 0o100644, nameBytes: name, fileSize: block.length }, block);
    const small = new TextEncoder().encode(`small ${i}\n`);
    writer.add(
      {
        ...base,
        ino: 2 * i + 2,
        mode: 0o100644,
        nameBytes: new TextEncoder().encode(`small/${i}`),
        fileSize: small.length,
      },
      small,
    );
  }
  writer.finish();
  closeSync(descriptor);
}

const archiveSize = statSync(archive).size;
const entryCount = [...new CpioReader(readFileSync(archive))].length;
const packOut = join(directory, 'packed-by-initkit.cpio');
const packNative = join(directory, 'packed-by-cpio.cpio');

const rows = [
  await compare({
    name: `list ${(archiveSize / MiB).toFixed(0)} MiB, ${entryCount} entries: library in process (CpioFileReader) vs bsdtar -tf`,
    goal: '<= 1x',
    maxRatio: 1,
    ours: () => {
      let names = 0;
      const reader = new CpioFileReader(archive);
      for (const entry of reader) names += entry.name.length;
      reader.close();
      return names;
    },
    native: shell(`bsdtar -tf ${archive} > /dev/null`),
    runs: 7,
  }),
  await compare({
    name: 'same, library in process reading the whole file into memory first (CpioReader over readFileSync)',
    goal: 'reported',
    maxRatio: Number.POSITIVE_INFINITY,
    ours: () => {
      let names = 0;
      for (const entry of new CpioReader(readFileSync(archive))) names += entry.name.length;
      return names;
    },
    native: shell(`bsdtar -tf ${archive} > /dev/null`),
    runs: 5,
  }),
  await compare({
    name: 'same archive, whole `initkit cpio list` process vs cpio -t',
    goal: '<= 1.5x',
    maxRatio: 1.5,
    ours: shell(`${initkitCommand} cpio list ${archive} > /dev/null`),
    native: shell(`cpio -t --quiet < ${archive} > /dev/null`),
    runs: 7,
  }),
  await compare({
    name: 'pack the same tree to newc: library in process (packDirectoryToFile) vs find . | cpio -o -H newc',
    goal: 'reported',
    maxRatio: Number.POSITIVE_INFINITY,
    ours: () => packDirectoryToFile(tree, packOut),
    native: shell(`cd ${tree} && find . | cpio -o -H newc --quiet > ${packNative}`),
    runs: 5,
  }),
  await compare({
    name: 'CLI start-up alone: `initkit --version` vs `cpio --version`',
    goal: 'reported',
    maxRatio: Number.POSITIVE_INFINITY,
    ours: shell(`${initkitCommand} --version > /dev/null`),
    native: shell('cpio --version > /dev/null'),
    runs: 7,
  }),
  await compare({
    name: 'pack the same tree to newc: `initkit cpio create` vs find . | cpio -o -H newc',
    goal: '<= 1x',
    maxRatio: 1,
    ours: shell(`${initkitCommand} cpio create -C ${tree} -o ${packOut}`),
    native: shell(`cd ${tree} && find . | cpio -o -H newc --quiet > ${packNative}`),
    runs: 5,
  }),
];

const oursRss = await peakRssKiB(`${initkitCommand} cpio list ${bigArchive} > /dev/null`);
const stdinRss = await peakRssKiB(`cat ${bigArchive} | ${initkitCommand} cpio list - > /dev/null`);
const baselineRss = await peakRssKiB(`${initkitCommand} --version > /dev/null`);
const cpioRss = await peakRssKiB(`cpio -t --quiet < ${bigArchive} > /dev/null`);
const limitKiB = 96 * 1024;
rows.push(
  measured(
    'stream-list a 1 GiB archive from a file: peak RSS of `initkit cpio list` (native: cpio -t)',
    `${(oursRss / 1024).toFixed(1)} MiB`,
    `${(cpioRss / 1024).toFixed(1)} MiB`,
    oursRss / limitKiB,
    '< 96 MiB',
    oursRss < limitKiB,
  ),
  measured(
    'same, piped through stdin (`cat | initkit cpio list -`)',
    `${(stdinRss / 1024).toFixed(1)} MiB`,
    `${(cpioRss / 1024).toFixed(1)} MiB`,
    stdinRss / limitKiB,
    '< 96 MiB',
    stdinRss < limitKiB,
  ),
);

report('cpio', rows, [
  `Tree: ${entryCount} entries copied from /usr; archive ${archiveSize} bytes. RSS ratio column is peak RSS / 96 MiB.`,
  `Peak RSS of \`initkit --version\` (Node, commander and no area loaded): ${(baselineRss / 1024).toFixed(1)} MiB.`,
  'Pack includes initkit writing its output atomically (temporary file and rename; fsync only under /boot and /etc); cpio writes in place.',
]);
