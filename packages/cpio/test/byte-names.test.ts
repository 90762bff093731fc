/**
 * Names are bytes: two files named \xff\xfe and \xfe\xff (made with Python, archived by GNU cpio) stay
 * two files through reading, the archive model, extraction, packing and GNU cpio/bsdtar reading our
 * output; listings print them escaped and JSON keeps them losslessly.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  CpioArchive,
  CpioStreamReader,
  decodeCpioName,
  encodeCpioName,
  entryToJson,
  escapeCpioName,
  formatLongListing,
  readCpio,
  writeCpio,
} from '@initkit/cpio';
import { CpioFileReader, extractCpio, packDirectory } from '@initkit/cpio/node';
import { describe, expect, it } from 'vitest';
import { run, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { cpioNameHex, isUtf8Name } from '../src/name.js';

const NAMES = [Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])];

/** The names on disk under `dir`, as hex (readdir as bytes: a string readdir would merge them). */
function namesOnDisk(dir: string | Buffer): string[] {
  return readdirSync(dir, { encoding: 'buffer' })
    .map((name) => name.toString('hex'))
    .sort();
}

describe('name codec', () => {
  it('round-trips every byte sequence and keeps UTF-8 names as they are', () => {
    const cases = [
      [0xff, 0xfe],
      [0xfe, 0xff],
      [0x61, 0xc3],
      [0xc3, 0xa9],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x90, 0x82, 0x80],
      [0xf0, 0x90, 0x82, 0x80, 0x80],
      [0xe2, 0x82],
      [0xc0, 0xaf],
    ];
    for (const bytes of cases) {
      const name = decodeCpioName(Uint8Array.from(bytes));
      expect([...encodeCpioName(name)]).toEqual(bytes);
    }
    expect(decodeCpioName(new TextEncoder().encode('ünïcödé/𐂀'))).toBe('ünïcödé/𐂀');
    expect(isUtf8Name('𐂀')).toBe(true);
    expect(isUtf8Name(decodeCpioName(Uint8Array.from([0x61, 0xff])))).toBe(false);
    expect(decodeCpioName(NAMES[0]!)).not.toBe(decodeCpioName(NAMES[1]!));
    expect(escapeCpioName(decodeCpioName(Uint8Array.from([0x61, 0xff, 0x0a, 0x5c])))).toBe('a\\xff\\n\\\\');
    expect(cpioNameHex(decodeCpioName(NAMES[0]!))).toBe('fffe');
    expect(() => encodeCpioName('\ud800x')).toThrow(/lone surrogate/);
  });
});

describe.runIf(hasTools('cpio', 'python3', 'bsdtar'))('names that are not UTF-8, against GNU cpio and bsdtar', () => {
  const tempRoot = useTempDir();
  let count = 0;
  /** A fresh directory for each call (the temporary root is shared by the file's tests). */
  const temp = () => {
    const dir = join(tempRoot(), String(count++));
    mkdirSync(dir);
    return dir;
  };

  /** An archive GNU cpio made of a tree holding both names (files) and a directory named \xfe\xff. */
  function gnuArchive(): { archive: Uint8Array; source: string } {
    const source = join(temp(), 'source');
    runOk('python3', [
      '-c',
      [
        'import os, sys',
        'root = os.fsencode(sys.argv[1])',
        'os.makedirs(os.path.join(root, b"d\\xfe\\xff"))',
        'for name in (b"\\xff\\xfe", b"\\xfe\\xff"):',
        '    open(os.path.join(root, name), "wb").write(b"data of " + name)',
        '    open(os.path.join(root, b"d\\xfe\\xff", name), "wb").write(name)',
        'os.symlink(b"\\xff\\xfe", os.path.join(root, b"link"))',
      ].join('\n'),
      source,
    ]);
    const archive = runOk('sh', ['-c', 'cd "$0" && find . | LC_ALL=C sort | cpio -o -H newc --quiet', source]);
    return { archive: new Uint8Array(archive.stdoutBytes), source };
  }

  it('reads both names apart with every reader', async () => {
    const { archive } = gnuArchive();
    const names = readCpio(archive).entries.map((entry) => cpioNameHex(entry.name));
    expect(names).toContain('fffe');
    expect(names).toContain('feff');
    expect(names).toContain(Buffer.from('d\xfe\xff/\xff\xfe', 'latin1').toString('hex'));
    const streamed: string[] = [];
    for await (const entry of new CpioStreamReader([archive])) streamed.push(entry.name);
    expect(streamed).toEqual(readCpio(archive).entries.map((entry) => entry.name));
    for (const record of readCpio(archive).entries) expect(encodeCpioName(record.name)).toEqual(record.nameBytes);
  });

  it('keeps both through the archive model, edit and serialize, as GNU cpio and bsdtar list them', () => {
    const { archive } = gnuArchive();
    const model = CpioArchive.parse(archive);
    const ff = decodeCpioName(NAMES[0]!);
    const fe = decodeCpioName(NAMES[1]!);
    expect(model.has(ff) && model.has(fe)).toBe(true);
    model.rename(`d${fe}`, `e${ff}`);
    model.remove(fe);
    const out = model.serialize();
    const gnu = runOk('cpio', ['-t', '--quiet'], { input: out }).stdoutBytes;
    const listed = gnu.toString('latin1').trim().split('\n').sort();
    expect(listed).toEqual(['.', 'e\xff\xfe', 'e\xff\xfe/\xfe\xff', 'e\xff\xfe/\xff\xfe', 'link', '\xff\xfe'].sort());
    const bsd = temp();
    runOk('bsdtar', ['-xf', '-', '-C', bsd], { input: out });
    expect(namesOnDisk(Buffer.from(`${bsd}/e\xff\xfe`, 'latin1'))).toEqual(['feff', 'fffe']);
  });

  it('extracts the bytes as the names on disk, as GNU cpio does, and packs them back unchanged', async () => {
    const { archive, source } = gnuArchive();
    const ours = join(temp(), 'ours');
    const report = await extractCpio(archive, ours);
    expect(report.skipped).toEqual([]);
    const gnu = join(temp(), 'gnu');
    runOk('sh', ['-c', 'mkdir -p "$0" && cd "$0" && cpio -idm --quiet', gnu], { input: archive });
    expect(namesOnDisk(ours)).toEqual(namesOnDisk(gnu));
    expect(namesOnDisk(ours)).toEqual(['64feff', '6c696e6b', 'feff', 'fffe']);
    const sub = Buffer.concat([Buffer.from(`${ours}/d`), NAMES[1]!]);
    expect(namesOnDisk(sub)).toEqual(['feff', 'fffe']);
    expect(readFileSync(Buffer.concat([Buffer.from(`${ours}/`), NAMES[0]!]))).toEqual(
      Buffer.from('data of \xff\xfe', 'latin1'),
    );
    expect(readlinkSync(join(ours, 'link'), { encoding: 'buffer' })).toEqual(NAMES[0]);

    const repacked = packDirectory(ours, { reproducible: true });
    const again = join(temp(), 'again');
    runOk('sh', ['-c', 'mkdir -p "$0" && cd "$0" && cpio -idm --quiet', again], { input: repacked });
    expect(namesOnDisk(again)).toEqual(namesOnDisk(source));
    expect(namesOnDisk(Buffer.concat([Buffer.from(`${again}/d`), NAMES[1]!]))).toEqual(['feff', 'fffe']);
  });

  it('lists names escaped, and JSON keeps them losslessly', () => {
    const { archive } = gnuArchive();
    const entry = readCpio(archive).entries.find((record) => cpioNameHex(record.name) === 'fffe')!;
    expect(formatLongListing(entry, { now: entry.mtime })).toMatch(/ \\xff\\xfe$/);
    const link = readCpio(archive).entries.find((record) => record.name === 'link')!;
    expect(formatLongListing(link, { now: link.mtime })).toMatch(/ link -> \\xff\\xfe$/);
    const json = JSON.parse(JSON.stringify(entryToJson(entry)));
    expect(json.nameHex).toBe('fffe');
    expect(encodeCpioName(json.name)).toEqual(Uint8Array.from(NAMES[0]!));
    expect(JSON.parse(JSON.stringify(entryToJson(link))).linkTargetHex).toBe('fffe');
  });

  it('the positioned file reader keeps them too', () => {
    const { archive } = gnuArchive();
    const path = join(temp(), 'a.cpio');
    runOk('sh', ['-c', 'cat > "$0"', path], { input: archive });
    const fd = openSync(path, 'r');
    try {
      const names = [...new CpioFileReader(fd)].map((entry) => cpioNameHex(entry.name));
      expect(names).toEqual(readCpio(archive).entries.map((entry) => cpioNameHex(entry.name)));
    } finally {
      closeSync(fd);
    }
  });

  it('writes UTF-8 string names as before', () => {
    const out = writeCpio([{ name: 'ünï', mode: 0o100644, data: new Uint8Array(1) }]);
    expect(run('cpio', ['-t', '--quiet'], { input: out }).stdout).toBe('ünï\n');
  });
});
