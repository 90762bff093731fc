/**
 * Writes the hostile-archive corpus next to this file: archives that try to escape the extraction
 * directory (.., absolute names, symlinks followed as directories, symlink and hard-link swaps, NUL in
 * names), device nodes, and absurd sizes. Run `npx tsx packages/cpio/test/hostile/make-corpus.ts`;
 * extract.test.ts extracts each and checks nothing outside the target changed.
 */
import { writeFileSync } from 'node:fs';
import { CpioWriter, type HeaderToWrite } from '../../src/index.js';

const encoder = new TextEncoder();
const directory = new URL('.', import.meta.url);

interface Raw {
  name: string | Uint8Array;
  mode: number;
  data?: string;
  ino?: number;
  nlink?: number;
  rdev?: [number, number];
}

let nextInode = 100;
function header(entry: Raw): HeaderToWrite {
  const data = encoder.encode(entry.data ?? '');
  return {
    nameBytes: typeof entry.name === 'string' ? encoder.encode(entry.name) : entry.name,
    ino: entry.ino ?? nextInode++,
    mode: entry.mode,
    uid: 0,
    gid: 0,
    nlink: entry.nlink ?? 1,
    mtime: 1700000000,
    devMajor: 0,
    devMinor: 0,
    rdevMajor: entry.rdev?.[0] ?? 0,
    rdevMinor: entry.rdev?.[1] ?? 0,
    fileSize: data.length,
  };
}

function archive(entries: Raw[]): Uint8Array {
  const writer = new CpioWriter();
  for (const entry of entries) writer.add(header(entry), encoder.encode(entry.data ?? ''));
  return writer.finish();
}

const FILE = 0o100644;
const DIR = 0o040755;
const LINK = 0o120777;

/** A newc header with raw field values (for sizes no honest writer produces). */
function rawHeader(fields: { fileSize: number; nameSize: number }, name: string): Uint8Array {
  const hex = (value: number) => value.toString(16).toUpperCase().padStart(8, '0');
  const values = [1, FILE, 0, 0, 1, 0, fields.fileSize, 0, 0, 0, 0, fields.nameSize, 0];
  return encoder.encode(`070701${values.map(hex).join('')}${name}\0\0\0`);
}

const corpus: Record<string, Uint8Array> = {
  'dotdot.cpio': archive([
    { name: '../outside/decoy.txt', mode: FILE, data: 'pwned' },
    { name: 'a/../../outside/new.txt', mode: FILE, data: 'pwned' },
    { name: 'ok.txt', mode: FILE, data: 'fine' },
  ]),
  'absolute.cpio': archive([
    { name: '/etc/initkit-absolute', mode: FILE, data: 'inside' },
    { name: '/../outside/decoy.txt', mode: FILE, data: 'pwned' },
  ]),
  'symlink-parent.cpio': archive([
    { name: 'evil', mode: LINK, data: '../outside' },
    { name: 'evil/decoy.txt', mode: FILE, data: 'pwned' },
    { name: 'evil/new.txt', mode: FILE, data: 'pwned' },
  ]),
  'symlink-absolute-parent.cpio': archive([
    { name: 'abs', mode: LINK, data: '/tmp/initkit-hostile-escape' },
    { name: 'abs/pwned', mode: FILE, data: 'pwned' },
  ]),
  'symlink-then-file.cpio': archive([
    { name: 'victim', mode: LINK, data: '../outside/decoy.txt' },
    { name: 'victim', mode: FILE, data: 'replaced the symlink' },
  ]),
  'directory-swapped-for-symlink.cpio': archive([
    { name: 'd', mode: DIR },
    { name: 'd', mode: LINK, data: '../outside' },
    { name: 'd/decoy.txt', mode: FILE, data: 'pwned' },
  ]),
  'nested-symlink.cpio': archive([
    { name: 'a', mode: DIR },
    { name: 'a/b', mode: LINK, data: '../../outside' },
    { name: 'a/b/c/d', mode: FILE, data: 'pwned' },
  ]),
  'hardlink-outside.cpio': archive([
    { name: '../outside/decoy.txt', mode: FILE, ino: 42, nlink: 2 },
    { name: 'inside', mode: FILE, ino: 42, nlink: 2, data: 'link data' },
  ]),
  'hardlink-to-symlinked-path.cpio': archive([
    { name: 'first', mode: FILE, ino: 43, nlink: 2, data: 'data' },
    { name: 'first', mode: LINK, data: '../outside/decoy.txt' },
    { name: 'second', mode: FILE, ino: 43, nlink: 2, data: 'pwned' },
  ]),
  'devices.cpio': archive([
    { name: 'dev/mem', mode: 0o020600, rdev: [1, 1] },
    { name: 'dev/sda', mode: 0o060600, rdev: [8, 0] },
  ]),
  'dot-names.cpio': archive([
    { name: '.', mode: DIR },
    { name: './.', mode: DIR },
    { name: '..', mode: DIR },
    { name: './../x', mode: FILE, data: 'pwned' },
  ]),
  'nul-in-name.cpio': archive([{ name: encoder.encode('ok\0/../../outside/decoy.txt'), mode: FILE, data: 'ok' }]),
  'after-trailer.cpio': (() => {
    const first = archive([{ name: 'before', mode: FILE, data: 'x' }]);
    const second = archive([{ name: '../outside/decoy.txt', mode: FILE, data: 'pwned' }]);
    const joined = new Uint8Array(first.length + second.length);
    joined.set(first);
    joined.set(second, first.length);
    return joined;
  })(),
  'absurd-filesize.cpio': rawHeader({ fileSize: 0xffffffff, nameSize: 2 }, 'x'),
  'absurd-namesize.cpio': rawHeader({ fileSize: 0, nameSize: 0xffffffff }, 'x'),
};

for (const [name, bytes] of Object.entries(corpus)) writeFileSync(new URL(name, directory), bytes);
console.log(`wrote ${Object.keys(corpus).length} archives`);
