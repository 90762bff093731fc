/**
 * Listings: the `ls -l` style line `cpio -tv` prints for an entry (mode string, link count, owner,
 * size or device numbers, date in the local time zone, name and symlink target), and a plain object
 * of every field for JSON output.
 */
import { S_IFBLK, S_IFCHR, S_IFLNK, S_IFMT } from './constants.js';
import type { CpioHeaderFields } from './entry.js';
import { type CpioEntryType, entryType, linkTarget } from './entry.js';
import { cpioNameHex, escapeCpioName, isUtf8Name } from './name.js';

const TYPE_LETTER: Record<CpioEntryType, string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  'char-device': 'c',
  'block-device': 'b',
  fifo: 'p',
  socket: 's',
  unknown: '?',
};

/** `drwxr-xr-x`, with s/S and t/T for the set-id and sticky bits. */
export function modeString(mode: number): string {
  const bit = (mask: number, letter: string) => (mode & mask ? letter : '-');
  const special = (execute: number, flag: number, set: string) => {
    if (mode & flag) return mode & execute ? set : set.toUpperCase();
    return mode & execute ? 'x' : '-';
  };
  return (
    TYPE_LETTER[entryType(mode)] +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(0o100, 0o4000, 's') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    special(0o010, 0o2000, 's') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    special(0o001, 0o1000, 't')
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIX_MONTHS = 6 * 30 * 24 * 60 * 60;

/**
 * The date column of `cpio -tv`: `Mmm dd hh:mm` for times within the last six months, else
 * `Mmm dd  yyyy` (also for times in the future). Uses the local time zone (TZ), as cpio does.
 */
export function listingDate(mtime: number, now: number): string {
  const date = new Date(mtime * 1000);
  const day = String(date.getDate()).padStart(2, ' ');
  const month = MONTHS[date.getMonth()];
  const age = now - mtime;
  if (age > SIX_MONTHS || age < 0) return `${month} ${day}  ${date.getFullYear()}`;
  const hours = String(date.getHours()).padStart(2, '0');
  const minutes = String(date.getMinutes()).padStart(2, '0');
  return `${month} ${day} ${hours}:${minutes}`;
}

export interface LongListingOptions {
  /** Seconds since the epoch that count as now (default: the clock). */
  now?: number;
  /** User name for a uid (cpio looks them up in the password database); numbers when undefined. */
  userName?: (uid: number) => string | undefined;
  groupName?: (gid: number) => string | undefined;
}

/** The entry needs its header fields, name and size; a symlink's target comes from its data when given. */
export interface ListableEntry extends CpioHeaderFields {
  name: string;
  fileSize?: number;
  data?: Uint8Array;
  /** The target of a symlink, when data is not at hand (streamed entries). */
  linkTarget?: string;
}

/** One line of `cpio -tv` output for `entry`, without the newline. */
export function formatLongListing(entry: ListableEntry, options: LongListingOptions = {}): string {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const user = (options.userName?.(entry.uid) ?? String(entry.uid)).slice(0, 8).padEnd(8);
  const group = (options.groupName?.(entry.gid) ?? String(entry.gid)).slice(0, 8).padEnd(8);
  const type = entry.mode & S_IFMT;
  const size =
    type === S_IFCHR || type === S_IFBLK
      ? `${String(entry.rdevMajor).padStart(3)}, ${String(entry.rdevMinor).padStart(3)}`
      : String(entry.fileSize ?? entry.data?.length ?? 0).padStart(8);
  let line = `${modeString(entry.mode)} ${String(entry.nlink).padStart(3)} ${user} ${group} ${size} ${listingDate(entry.mtime, now)} ${escapeCpioName(entry.name)}`;
  if (type === S_IFLNK) {
    const target = entry.linkTarget ?? linkTarget(entry) ?? '';
    line += ` -> ${escapeCpioName(target)}`;
  }
  return line;
}

/**
 * Every field of an entry as plain JSON-friendly data (no bytes). Lossless for any name: `name` is the
 * lossless string (JSON.stringify writes a byte that is not UTF-8 as the escape `\udcXX`, XX >= 80
 * being the byte), and a name that is not UTF-8 also gets `nameHex`, its bytes in hex (likewise
 * `linkTargetHex` for a symlink target).
 */
export function entryToJson(
  entry: ListableEntry & { format?: string; check?: number; offset?: number },
): Record<string, unknown> {
  const type = entryType(entry.mode);
  const json: Record<string, unknown> = {
    name: entry.name,
    type,
    mode: entry.mode,
    permissions: (entry.mode & 0o7777).toString(8).padStart(4, '0'),
    uid: entry.uid,
    gid: entry.gid,
    nlink: entry.nlink,
    mtime: entry.mtime,
    size: entry.fileSize ?? entry.data?.length ?? 0,
    ino: entry.ino,
    devMajor: entry.devMajor,
    devMinor: entry.devMinor,
    rdevMajor: entry.rdevMajor,
    rdevMinor: entry.rdevMinor,
  };
  if (!isUtf8Name(entry.name)) json.nameHex = cpioNameHex(entry.name);
  if (entry.format !== undefined) json.format = entry.format;
  if (entry.check !== undefined) json.check = entry.check;
  if (entry.offset !== undefined) json.offset = entry.offset;
  if (type === 'symlink') {
    const target = entry.linkTarget ?? linkTarget(entry) ?? '';
    json.linkTarget = target;
    if (!isUtf8Name(target)) json.linkTargetHex = cpioNameHex(target);
  }
  return json;
}
