/**
 * `initkit cpio`: list archives like `cpio -t` / `cpio -tv`, extract them safely, and create them
 * from a directory (like `find . | cpio -o -H newc`) or from a gen_init_cpio list.
 */
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  archiveFromList,
  type CpioStreamEntry,
  CpioStreamReader,
  decodeCpioName,
  encodeCpioName,
  entryToJson,
  escapeCpioName,
  formatLongListing,
  quoteCpioName,
  S_IFLNK,
  S_IFMT,
  symlinkTarget,
} from '@initkit/cpio';
import { CpioFileReader, extractCpio, fileChunks, packDirectory, packDirectoryToFile } from '@initkit/cpio/node';
import { type Command, Option } from 'commander';
import { printJson, writeOutput } from '../output.js';
import { UsageError } from '../usage-error.js';

/** An open archive: a descriptor for a file or stdin ('-'), and whether it can be read by position. */
function openArchive(file: string): { descriptor: number; seekable: boolean; close(): void } {
  const descriptor = file === '-' ? 0 : openSync(file, 'r');
  return {
    descriptor,
    seekable: fstatSync(descriptor).isFile(),
    close: () => {
      if (descriptor !== 0) closeSync(descriptor);
    },
  };
}

/** Entries with their symlink targets: by position from a file, else streamed (stdin, pipes). */
async function* listEntries(
  file: string,
  options: { concatenated?: boolean; verifyChecksums: boolean },
): AsyncGenerator<ListedEntry, Record<string, unknown>> {
  const archive = openArchive(file);
  try {
    if (archive.seekable && !options.concatenated) {
      const reader = new CpioFileReader(archive.descriptor, options);
      for (const entry of reader) {
        const linkTarget =
          (entry.mode & S_IFMT) === S_IFLNK ? symlinkTarget({ data: entry.readData(1 << 16) }) : undefined;
        yield { ...entry, linkTarget };
      }
      return { ...reader.info() };
    }
    const reader = new CpioStreamReader(fileChunks(archive.descriptor), options);
    for await (const entry of reader) yield { ...entry, linkTarget: await linkTargetOf(entry) };
    return { ...reader.info() };
  } finally {
    archive.close();
  }
}

/** Buffers output lines and writes them in large blocks. */
class LineOutput {
  private lines: string[] = [];
  private size = 0;
  push(line: string): void {
    this.lines.push(line);
    this.size += line.length;
    if (this.size > 1 << 16) this.flush();
  }
  flush(): void {
    if (this.lines.length === 0) return;
    process.stdout.write(`${this.lines.join('\n')}\n`);
    this.lines = [];
    this.size = 0;
  }
}

/** Names from /etc/passwd or /etc/group (cpio -tv shows names where the system has them). */
function nameTable(path: string): (id: number) => string | undefined {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
    }
  } catch {
    // No database: numbers are printed, as cpio does for unknown ids.
  }
  return (id) => names.get(id);
}

type ListedEntry = Omit<CpioStreamEntry, 'chunks' | 'bytes'> & { linkTarget: string | undefined };

async function linkTargetOf(entry: CpioStreamEntry): Promise<string | undefined> {
  if ((entry.mode & S_IFMT) !== S_IFLNK) return undefined;
  return symlinkTarget({ data: await entry.bytes(1 << 16) });
}

function sourceDateEpoch(): number | undefined {
  const value = process.env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`SOURCE_DATE_EPOCH=${value} is not a number of seconds`);
  return Number(value);
}

function parseFormat(value: string): 'newc' | 'crc' {
  if (value !== 'newc' && value !== 'crc') throw new UsageError(`invalid format ${value}: expected newc or crc`);
  return value;
}

interface ListFlags {
  verbose?: boolean;
  numericUidGid?: boolean;
  json?: boolean;
  all?: boolean;
  verify: boolean;
}

interface ExtractFlags {
  directory: string;
  devices?: boolean;
  sameOwner?: boolean;
  verbose?: boolean;
  json?: boolean;
  verify: boolean;
}

interface CreateFlags {
  directory?: string;
  fromList?: string;
  output: string;
  format: 'newc' | 'crc';
  reproducible?: boolean;
  mtime?: string;
}

/** Adds the `cpio` sub-commands to the area's command (named and described in catalog.ts). */
export function registerCpio(cpio: Command): void {
  cpio
    .command('list')
    .description('list the entries: names like `cpio -t`, with -v lines like `cpio -tv`')
    .argument('<file>', "archive file ('-' for stdin)")
    .option('-v, --verbose', 'ls -l style lines, as cpio -tv prints them')
    .option('-n, --numeric-uid-gid', 'with -v, show uid and gid numbers instead of names')
    .option('--json', 'print every header field of every entry as JSON')
    .option('--all', 'go on after TRAILER!!! through NUL padding into following archives')
    .option('--no-verify', 'do not check crc-format data sums')
    .action(async (file: string, flags: ListFlags) => {
      const entries = listEntries(file, { concatenated: flags.all, verifyChecksums: flags.verify });
      const out = new LineOutput();
      const json: Record<string, unknown>[] = [];
      const userName = flags.numericUidGid ? undefined : nameTable('/etc/passwd');
      const groupName = flags.numericUidGid ? undefined : nameTable('/etc/group');
      const now = Math.floor(Date.now() / 1000);
      let step = await entries.next();
      while (!step.done) {
        const entry = step.value;
        if (flags.json) json.push(entryToJson(entry));
        else if (flags.verbose) out.push(formatLongListing(entry, { now, userName, groupName }));
        else out.push(escapeCpioName(entry.name));
        step = await entries.next();
      }
      out.flush();
      if (flags.json) printJson({ ...step.value, entries: json });
    });

  cpio
    .command('extract')
    .description('extract safely into a directory: nothing is written outside it')
    .requiredOption('-C, --directory <dir>', 'target directory (created if missing)')
    .argument('<file>', "archive file ('-' for stdin)")
    .option('--devices', 'create device nodes (needs root)')
    .option('--no-same-owner', 'do not restore owners (default as root: restore them)')
    .option('-v, --verbose', 'print each name as it is extracted')
    .option('--json', 'print the extraction report as JSON')
    .option('--no-verify', 'do not check crc-format data sums')
    .action(async (file: string, flags: ExtractFlags) => {
      const out = new LineOutput();
      const archive = openArchive(file);
      const report = await extractCpio(fileChunks(archive.descriptor), flags.directory, {
        devices: flags.devices,
        preserveOwners: flags.sameOwner === false ? false : undefined,
        verifyChecksums: flags.verify,
        onEntry: flags.verbose ? (path) => out.push(escapeCpioName(path)) : undefined,
      }).finally(() => archive.close());
      out.flush();
      if (flags.json) printJson(report);
      for (const skipped of report.skipped) {
        process.stderr.write(`initkit: skipped ${quoteCpioName(skipped.name)}: ${skipped.reason}\n`);
      }
    });

  cpio
    .command('create')
    .description('create an archive from a directory (like find . | cpio -o -H newc) or a gen_init_cpio list')
    .option('-C, --directory <dir>', 'directory to pack; with --from-list, where relative locations start')
    .option('--from-list <list>', 'build from a gen_init_cpio list file instead of a directory')
    .requiredOption('-o, --output <file>', "archive to write ('-' for stdout)")
    .addOption(
      new Option('--format <format>', 'header format').choices(['newc', 'crc']).default('newc').argParser(parseFormat),
    )
    .option('--reproducible', 'sorted names, inodes from 1, owner 0:0, mtime SOURCE_DATE_EPOCH (else 0)')
    .option(
      '-t, --mtime <seconds>',
      'with --from-list: mtime of non-file entries (default SOURCE_DATE_EPOCH, else now)',
    )
    .action(async (flags: CreateFlags) => {
      if (flags.fromList !== undefined) {
        const base = flags.directory ?? process.cwd();
        const mtime =
          flags.mtime !== undefined ? parseSeconds(flags.mtime) : (sourceDateEpoch() ?? Math.floor(Date.now() / 1000));
        // The list is read losslessly: names that are not UTF-8 are written back as the same bytes.
        const archive = archiveFromList(decodeCpioName(readFileSync(flags.fromList)), {
          format: flags.format,
          mtime,
          env: process.env,
          onWarning: (warning) =>
            process.stderr.write(`initkit: warning: ${flags.fromList} line ${warning.line}: ${warning.message}\n`),
          readFile: (location) => {
            const path = encodeCpioName(isAbsolute(location) ? location : join(base, location));
            return {
              data: readFileSync(Buffer.from(path)),
              mtime: Math.floor(statSync(Buffer.from(path)).mtimeMs / 1000),
            };
          },
        });
        await writeOutput(flags.output, archive);
        return;
      }
      if (flags.directory === undefined) throw new UsageError('create needs -C DIR or --from-list LIST');
      if (flags.mtime !== undefined) throw new UsageError('-t/--mtime applies to --from-list only');
      const options = {
        format: flags.format,
        reproducible: flags.reproducible === true,
        mtime: flags.reproducible ? sourceDateEpoch() : undefined,
      };
      if (flags.output === '-') await writeOutput('-', packDirectory(flags.directory, options));
      else await packDirectoryToFile(flags.directory, flags.output, options);
    });
}

function parseSeconds(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) {
    throw new UsageError(`invalid mtime ${text}: expected seconds since the epoch (32 bits)`);
  }
  return Number(text);
}
