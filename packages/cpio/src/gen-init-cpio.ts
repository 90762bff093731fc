/**
 * The kernel's gen_init_cpio list format (usr/gen_init_cpio.c): parse a list into items, build the
 * archive gen_init_cpio would build from it (inodes from 721, device 3:1, data on the last hard link,
 * symlink targets stored with their NUL), and print a list that describes an archive.
 */
import type { InitkitError } from '@initkit/core';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './constants.js';
import { type CpioEntry, type CpioEntryInput, linkTarget } from './entry.js';
import { cpioError } from './errors.js';
import { encodeCpioName } from './name.js';
import { ROOT_NAME } from './path.js';
import { type WriteCpioOptions, writeCpio } from './writer.js';

export type InitramfsListItem =
  | {
      type: 'file';
      name: string;
      location: string;
      mode: number;
      uid: number;
      gid: number;
      links: string[];
      line: number;
    }
  | { type: 'dir' | 'pipe' | 'sock'; name: string; mode: number; uid: number; gid: number; line: number }
  | {
      type: 'nod';
      name: string;
      mode: number;
      uid: number;
      gid: number;
      device: 'b' | 'c';
      major: number;
      minor: number;
      line: number;
    }
  | { type: 'slink'; name: string; target: string; mode: number; uid: number; gid: number; line: number };

function listError(line: number, message: string): InitkitError {
  return cpioError('CPIO_LIST_SYNTAX', `initramfs list line ${line}: ${message}`);
}

/** Something gen_init_cpio warns about and goes on (the line is skipped, or a value clipped). */
export interface ListWarning {
  line: number;
  message: string;
}

export interface ListParseOptions {
  /** Receives each warning gen_init_cpio would print (default: ignored). */
  onWarning?: (warning: ListWarning) => void;
}

/** C's isspace: what sscanf's %s stops at and its white-space directives skip. */
const C_SPACE = /[ \t\n\v\f\r]/;

/**
 * The fields of a line as gen_init_cpio's sscanf reads them: each conversion skips white space and
 * takes what it can; reading stops at the first conversion that fails, and whatever follows the
 * last conversion the format asks for is ignored.
 */
class LineScanner {
  private position = 0;
  constructor(
    private readonly text: string,
    private readonly line: number,
    private readonly type: string,
  ) {}

  private skipSpace(): void {
    while (this.position < this.text.length && C_SPACE.test(this.text[this.position]!)) this.position++;
  }

  /** True when only white space is left. */
  atEnd(): boolean {
    this.skipSpace();
    return this.position >= this.text.length;
  }

  private fail(what: string): InitkitError {
    const rest = this.text.slice(this.position).trim();
    return listError(
      this.line,
      `${this.type}: expected ${what}, found ${rest === '' ? 'the end of the line' : JSON.stringify(rest.split(C_SPACE)[0])}`,
    );
  }

  /** %s: a word. */
  word(what: string): string {
    this.skipSpace();
    const start = this.position;
    while (this.position < this.text.length && !C_SPACE.test(this.text[this.position]!)) this.position++;
    if (this.position === start) throw this.fail(what);
    return this.text.slice(start, this.position);
  }

  /** %o, %d, %u: an optional sign and the longest run of digits; the value must fit in 32 bits here. */
  number(what: string, radix: 8 | 10): number {
    this.skipSpace();
    const digits = radix === 8 ? /^[+-]?[0-7]+/ : /^[+-]?[0-9]+/;
    const match = digits.exec(this.text.slice(this.position));
    if (!match) throw this.fail(`${what} (${radix === 8 ? 'octal' : 'decimal'})`);
    this.position += match[0].length;
    const value = Number.parseInt(match[0], radix);
    if (value < 0 || value > 0xffffffff)
      throw listError(this.line, `${this.type}: ${what} ${match[0]} does not fit in 32 bits`);
    return value;
  }

  /** %c after white space: one character. */
  character(what: string): string {
    this.skipSpace();
    if (this.position >= this.text.length) throw this.fail(what);
    return this.text[this.position++]!;
  }
}

const TYPES = new Set(['file', 'dir', 'pipe', 'sock', 'nod', 'slink']);

/**
 * Parses list text as the kernel's usr/gen_init_cpio reads it: a line starting with `#` and a blank
 * line are skipped; a line whose first word is not a type it knows (an indented comment, a line
 * starting with white space, which gen_init_cpio compares whole, an unknown type) is skipped with a
 * warning; a line that is one word is skipped silently; fields past the ones a type takes are ignored
 * (except a file's extra names, its hard links); `nod` with a type other than `b` is a character
 * device. A field that cannot be read is CPIO_LIST_SYNTAX (gen_init_cpio then writes no trailer and fails).
 */
export function parseInitramfsList(text: string, options: ListParseOptions = {}): InitramfsListItem[] {
  const items: InitramfsListItem[] = [];
  const lines = text.split('\n');
  // fgets reads no line after the last newline.
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith('#')) return;
    const leading = /^[ \t]*/.exec(raw)![0].length;
    if (leading === raw.length) {
      if (index === lines.length - 1 && !text.endsWith('\n') && raw.length > 0) {
        throw listError(
          line,
          'expected an entry type, found only white space (gen_init_cpio: could not locate file type)',
        );
      }
      return;
    }
    const typeEnd = raw.slice(leading).search(/[ \t]/);
    // One word and nothing else (strtok found no separator): gen_init_cpio passes over it.
    if (typeEnd < 0 && leading === 0) return;
    const type = typeEnd < 0 ? raw.slice(leading) : raw.slice(leading, leading + typeEnd);
    const args = typeEnd < 0 ? '' : raw.slice(leading + typeEnd + 1);
    // Nothing after the type's separator: gen_init_cpio reports "newline required" and fails the run.
    if (args === '')
      throw listError(line, `expected fields after ${JSON.stringify(type)} (gen_init_cpio: newline required)`);
    if (leading > 0 || !TYPES.has(type)) {
      options.onWarning?.({ line, message: `unknown file type ${JSON.stringify(raw)}: line skipped` });
      return;
    }
    const scan = new LineScanner(args, line, type);
    switch (type) {
      case 'file': {
        const name = scan.word('a name');
        const location = scan.word('a location');
        const mode = scan.number('mode', 8);
        const uid = scan.number('uid', 10);
        const gid = scan.number('gid', 10);
        const links: string[] = [];
        while (!scan.atEnd()) links.push(scan.word('a hard link name'));
        items.push({ type, name, location, mode, uid, gid, links, line });
        return;
      }
      case 'slink': {
        const name = scan.word('a name');
        const target = scan.word('a target');
        items.push({
          type,
          name,
          target,
          mode: scan.number('mode', 8),
          uid: scan.number('uid', 10),
          gid: scan.number('gid', 10),
          line,
        });
        return;
      }
      case 'nod': {
        const name = scan.word('a name');
        const mode = scan.number('mode', 8);
        const uid = scan.number('uid', 10);
        const gid = scan.number('gid', 10);
        const device = scan.character('a device type') === 'b' ? 'b' : 'c';
        items.push({
          type,
          name,
          mode,
          uid,
          gid,
          device,
          major: scan.number('major', 10),
          minor: scan.number('minor', 10),
          line,
        });
        return;
      }
      default: {
        const name = scan.word('a name');
        items.push({
          type: type as 'dir' | 'pipe' | 'sock',
          name,
          mode: scan.number('mode', 8),
          uid: scan.number('uid', 10),
          gid: scan.number('gid', 10),
          line,
        });
      }
    }
  });
  return items;
}

/** A file's contents and (optionally) its mtime, as the list's `location` names it. */
export interface ListFile {
  data: Uint8Array;
  mtime?: number;
}

export interface ListBuildOptions {
  /** Reads the file a `file` line names (after ${VAR} expansion). */
  readFile: (location: string) => ListFile;
  /** mtime of everything but files (gen_init_cpio -t; default 0). Files use their own mtime when known. */
  mtime?: number;
  /** Variables for ${NAME} in locations (gen_init_cpio uses the environment). */
  env?: Record<string, string | undefined>;
  /** Receives gen_init_cpio's warnings: list lines skipped, file mtimes past 2^32 - 1 clipped. */
  onWarning?: (warning: ListWarning) => void;
}

function mtimeOutOfRange(mtime: number | undefined): boolean {
  return mtime !== undefined && (!Number.isInteger(mtime) || mtime < 0 || mtime > 0xffffffff);
}

function stripOneSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

function expand(location: string, env: Record<string, string | undefined>): string {
  return location.replace(/\$\{([^}]*)\}/g, (_match, name: string) => env[name] ?? '');
}

const GENERIC_BITS = { dir: S_IFDIR, pipe: S_IFIFO, sock: S_IFSOCK } as const;

/** The entries gen_init_cpio writes for a list, field for field. */
export function entriesFromList(list: string | InitramfsListItem[], options: ListBuildOptions): CpioEntryInput[] {
  const items = typeof list === 'string' ? parseInitramfsList(list, { onWarning: options.onWarning }) : list;
  if (mtimeOutOfRange(options.mtime)) {
    throw cpioError('CPIO_LIST_BAD_MTIME', `mtime ${options.mtime} does not fit in a cpio header (0 to 2^32 - 1)`);
  }
  const mtime = options.mtime ?? 0;
  const env = options.env ?? {};
  const entries: CpioEntryInput[] = [];
  let ino = 721;
  const common = { devMajor: 3, devMinor: 1 };
  for (const item of items) {
    const name = stripOneSlash(item.name);
    switch (item.type) {
      case 'file': {
        const file = options.readFile(expand(item.location, env));
        const names = [item.name, ...item.links];
        const nlink = names.length;
        let fileMtime = file.mtime ?? mtime;
        if (fileMtime > 0xffffffff) {
          options.onWarning?.({
            line: item.line,
            message: `${item.location}: timestamp exceeds the cpio maximum, clipped to 4294967295`,
          });
          fileMtime = 0xffffffff;
        }
        names.forEach((linkName, index) => {
          const last = index === nlink - 1;
          entries.push({
            ...common,
            name: stripOneSlash(linkName),
            ino,
            mode: S_IFREG | item.mode,
            uid: item.uid,
            gid: item.gid,
            nlink,
            mtime: fileMtime,
            data: last ? file.data : new Uint8Array(0),
          });
        });
        ino++;
        break;
      }
      case 'slink':
        entries.push({
          ...common,
          name,
          ino: ino++,
          mode: S_IFLNK | item.mode,
          uid: item.uid,
          gid: item.gid,
          nlink: 1,
          mtime,
          data: encodeCpioName(`${item.target}\0`),
        });
        break;
      case 'nod':
        entries.push({
          ...common,
          name,
          ino: ino++,
          mode: (item.device === 'b' ? S_IFBLK : S_IFCHR) | item.mode,
          uid: item.uid,
          gid: item.gid,
          nlink: 1,
          mtime,
          rdevMajor: item.major,
          rdevMinor: item.minor,
        });
        break;
      default:
        entries.push({
          ...common,
          name,
          ino: ino++,
          mode: GENERIC_BITS[item.type] | item.mode,
          uid: item.uid,
          gid: item.gid,
          nlink: 2,
          mtime,
        });
    }
  }
  return entries;
}

/** The archive gen_init_cpio writes for a list (newc, padded to 512 bytes). */
export function archiveFromList(
  list: string | InitramfsListItem[],
  options: ListBuildOptions & Pick<WriteCpioOptions, 'format'>,
): Uint8Array {
  // gen_init_cpio places data on the last link itself; planning keeps that (hardLinkData 'last').
  return writeCpio(entriesFromList(list, options), { format: options.format, hardLinkData: 'last' });
}

/** A list field: gen_init_cpio splits on white space, so a word with any cannot be written. */
function word(text: string): string {
  if (/\s/.test(text) || text.length === 0) {
    throw cpioError(
      'CPIO_LIST_UNREPRESENTABLE',
      `${JSON.stringify(text)} cannot be written in an initramfs list (it is empty or has white space)`,
    );
  }
  return text;
}

function plainName(name: string): string {
  return name.replace(/^\/+/, '').replace(/^\.\//, '');
}

function listName(name: string): string {
  return `/${word(plainName(name))}`;
}

export interface ListFormatOptions {
  /** Directory the `file` lines point into: location = prefix + '/' + name (default '.'). */
  locationPrefix?: string;
}

/**
 * A gen_init_cpio list describing `entries` (hard links become one `file` line with extra names; the
 * root entry `.` is left out, as a list cannot name it). Names with white space are refused.
 */
export function formatInitramfsList(entries: Iterable<CpioEntry>, options: ListFormatOptions = {}): string {
  const prefix = (options.locationPrefix ?? '.').replace(/\/+$/, '');
  const all = [...entries];
  const groups = new Map<string, CpioEntry[]>();
  for (const entry of all) {
    if ((entry.mode & S_IFMT) !== S_IFREG || entry.nlink < 2) continue;
    const key = `${entry.devMajor}:${entry.devMinor}:${entry.ino}`;
    const members = groups.get(key);
    if (members) members.push(entry);
    else groups.set(key, [entry]);
  }
  const lines: string[] = [];
  const done = new Set<CpioEntry>();
  for (const entry of all) {
    if (done.has(entry)) continue;
    const name = plainName(entry.name);
    if (name === ROOT_NAME || name === '') continue;
    const mode = (entry.mode & 0o7777).toString(8).padStart(4, '0');
    const owner = `${entry.uid} ${entry.gid}`;
    switch (entry.mode & S_IFMT) {
      case S_IFREG: {
        const members = groups.get(`${entry.devMajor}:${entry.devMinor}:${entry.ino}`) ?? [entry];
        for (const member of members) done.add(member);
        const withData = members.find((member) => member.data.length > 0) ?? entry;
        const location = word(`${prefix}/${plainName(withData.name)}`);
        const links = members.filter((member) => member !== entry).map((member) => ` ${listName(member.name)}`);
        lines.push(`file ${listName(name)} ${location} ${mode} ${owner}${links.join('')}`);
        break;
      }
      case S_IFDIR:
        lines.push(`dir ${listName(name)} ${mode} ${owner}`);
        break;
      case S_IFLNK:
        lines.push(`slink ${listName(name)} ${word(linkTarget(entry))} ${mode} ${owner}`);
        break;
      case S_IFCHR:
      case S_IFBLK:
        lines.push(
          `nod ${listName(name)} ${mode} ${owner} ${(entry.mode & S_IFMT) === S_IFBLK ? 'b' : 'c'} ${entry.rdevMajor} ${entry.rdevMinor}`,
        );
        break;
      case S_IFIFO:
        lines.push(`pipe ${listName(name)} ${mode} ${owner}`);
        break;
      case S_IFSOCK:
        lines.push(`sock ${listName(name)} ${mode} ${owner}`);
        break;
      default:
        throw cpioError(
          'CPIO_LIST_UNREPRESENTABLE',
          `entry ${JSON.stringify(name)} has unknown file type ${(entry.mode & S_IFMT).toString(8)}`,
        );
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
