/**
 * The kernel's gen_init_cpio list format (usr/gen_init_cpio.c): parse a list into items, build the
 * archive gen_init_cpio would build from it (inodes from 721, device 3:1, data on the last hard link,
 * symlink targets stored with their NUL), and print a list that describes an archive.
 */
import { encodeUtf8, InitkitError } from '@initkit/core';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './constants.js';
import { type CpioEntry, type CpioEntryInput, symlinkTarget } from './entry.js';
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
  return new InitkitError('CPIO_LIST_SYNTAX', `initramfs list line ${line}: ${message}`);
}

function octal(text: string | undefined, line: number, what: string): number {
  if (text === undefined || !/^[0-7]+$/.test(text))
    throw listError(line, `expected ${what} in octal, found ${JSON.stringify(text ?? '')}`);
  const value = Number.parseInt(text, 8);
  if (value > 0xffffffff) throw listError(line, `${what} ${text} does not fit in 32 bits`);
  return value;
}

function decimal(text: string | undefined, line: number, what: string): number {
  if (text === undefined || !/^\d+$/.test(text))
    throw listError(line, `expected ${what} as a number, found ${JSON.stringify(text ?? '')}`);
  const value = Number(text);
  if (value > 0xffffffff) throw listError(line, `${what} ${text} does not fit in 32 bits`);
  return value;
}

const ARITY = { file: 5, dir: 4, pipe: 4, sock: 4, nod: 7, slink: 5 } as const;

/** Parses list text; `#` lines and blank lines are skipped. Unknown types are CPIO_LIST_SYNTAX errors. */
export function parseInitramfsList(text: string): InitramfsListItem[] {
  const items: InitramfsListItem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith('#')) return;
    const words = raw.split(/[ \t\r\v\f]+/).filter((word) => word !== '');
    if (words.length === 0) return;
    const [type, ...args] = words as [string, ...string[]];
    if (!(type in ARITY)) throw listError(line, `unknown entry type ${JSON.stringify(type)}`);
    const arity = ARITY[type as keyof typeof ARITY];
    if (args.length < arity || (type !== 'file' && args.length > arity)) {
      throw listError(
        line,
        `${type} takes ${arity} fields${type === 'file' ? ' and optional hard links' : ''}, found ${args.length}`,
      );
    }
    switch (type) {
      case 'file':
        items.push({
          type,
          name: args[0]!,
          location: args[1]!,
          mode: octal(args[2], line, 'mode'),
          uid: decimal(args[3], line, 'uid'),
          gid: decimal(args[4], line, 'gid'),
          links: args.slice(5),
          line,
        });
        return;
      case 'slink':
        items.push({
          type,
          name: args[0]!,
          target: args[1]!,
          mode: octal(args[2], line, 'mode'),
          uid: decimal(args[3], line, 'uid'),
          gid: decimal(args[4], line, 'gid'),
          line,
        });
        return;
      case 'nod': {
        const device = args[4];
        if (device !== 'b' && device !== 'c')
          throw listError(line, `expected device type b or c, found ${JSON.stringify(device)}`);
        items.push({
          type,
          name: args[0]!,
          mode: octal(args[1], line, 'mode'),
          uid: decimal(args[2], line, 'uid'),
          gid: decimal(args[3], line, 'gid'),
          device,
          major: decimal(args[5], line, 'major'),
          minor: decimal(args[6], line, 'minor'),
          line,
        });
        return;
      }
      default:
        items.push({
          type: type as 'dir' | 'pipe' | 'sock',
          name: args[0]!,
          mode: octal(args[1], line, 'mode'),
          uid: decimal(args[2], line, 'uid'),
          gid: decimal(args[3], line, 'gid'),
          line,
        });
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
  const items = typeof list === 'string' ? parseInitramfsList(list) : list;
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
        const fileMtime = file.mtime ?? mtime;
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
          data: encodeUtf8(`${item.target}\0`),
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
    throw new InitkitError(
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
        lines.push(`slink ${listName(name)} ${word(symlinkTarget(entry))} ${mode} ${owner}`);
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
        throw new InitkitError(
          'CPIO_LIST_UNREPRESENTABLE',
          `entry ${JSON.stringify(name)} has unknown file type ${(entry.mode & S_IFMT).toString(8)}`,
        );
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
