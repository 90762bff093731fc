/**
 * `initkit uimage`: list, create and extract U-Boot legacy images, compatible with mkimage -l,
 * mkimage -A/-O/-T/-C/-a/-e/-n/-d/-x and dumpimage -p/-o.
 */
import {
  type CodeCategory,
  codeFromName,
  codeTable,
  createUImage,
  formatListing,
  hasFileTable,
  longName,
  parseUImage,
  shortName,
  UIMAGE_HEADER_SIZE,
  UIMAGE_TYPE,
  type UImage,
} from '@initkit/uimage';
import { type Command, Option } from 'commander';
import { parseCount, parseHexAddress, readInput } from '../input.js';
import { printJson, writeOutput } from '../output.js';
import { UsageError } from '../usage-error.js';

/** Adds the `uimage` sub-commands to the area's command (named and described in catalog.ts). */
export function registerUimage(uimage: Command): void {
  uimage
    .command('list')
    .description('print the header and contents exactly as `mkimage -l` does')
    .argument('<file>', 'uImage file')
    .option('--json', 'print the parsed header and contents as JSON')
    .option('--no-verify', 'do not fail on a wrong data CRC (report it instead)')
    .action(async (file: string, options: { json?: boolean; verify: boolean }) => {
      const image = parseUImage(await readInput(file), { verifyChecksums: options.verify });
      if (options.json) printJson(describe(image));
      else process.stdout.write(Buffer.from(formatListing(image), 'latin1'));
    });

  uimage
    .command('create')
    .description('build a legacy image byte-identical to mkimage (SOURCE_DATE_EPOCH honoured)')
    .addOption(new Option('-A, --architecture <arch>', 'CPU architecture (mkimage short name)').default('ppc'))
    .addOption(new Option('-O, --os <os>', 'operating system').default('linux'))
    .addOption(new Option('-T, --type <type>', 'image type').default('kernel'))
    .addOption(new Option('-C, --compression <comp>', 'compression recorded in the header').default('gzip'))
    .option('-a, --load-address <hex>', 'load address (hex)', '0')
    .option('-e, --entry-point <hex>', 'entry point (hex; default: the load address)')
    .option('-n, --name <name>', 'image name (cut at 32 bytes)', '')
    .requiredOption('-d, --datafile <files>', 'data file, or a:b:c for a multi-file image')
    .option('-x, --xip', 'execute in place: the data starts with 64 bytes of 0xff for the header')
    .argument('<image>', 'output image file')
    .addHelpText('after', `\nNames for -A, -O, -T and -C: run \`initkit uimage names\`.`)
    .action(async (output: string, options: CreateFlags) => {
      const codes = {
        arch: nameToCode('arch', options.architecture),
        os: nameToCode('os', options.os),
        type: nameToCode('type', options.type),
        comp: nameToCode('comp', options.compression),
      };
      const paths = options.datafile.split(':');
      if (paths.length > 1 && !hasFileTable(codes.type)) {
        throw new UsageError(`several data files (${options.datafile}) need -T multi or -T script`);
      }
      const files = await Promise.all(paths.map((path) => readInput(path)));
      const image = createUImage({
        arch: codes.arch,
        os: codes.os,
        type: codes.type,
        compression: codes.comp,
        load: parseHexAddress(options.loadAddress, 'load address'),
        entry: options.entryPoint === undefined ? undefined : parseHexAddress(options.entryPoint, 'entry point'),
        name: options.name,
        executeInPlace: options.xip === true,
        files,
      });
      await writeOutput(output, image);
      if (output !== '-') process.stdout.write(Buffer.from(formatListing(parseUImage(image)), 'latin1'));
    });

  uimage
    .command('extract')
    .description('write one file of an image, as `dumpimage -p N -o OUT` does')
    .option('-p, --position <n>', 'file to extract from a multi-file image (from 0)', '0')
    .option('-T, --type <type>', "accepted for dumpimage compatibility; the image's own type is used")
    .requiredOption('-o, --output <file>', 'where to write the file (- for stdout)')
    .argument('<image>', 'uImage file')
    .action(async (file: string, options: { position: string; output: string; type?: string }) => {
      if (options.type !== undefined) nameToCode('type', options.type);
      const position = parseCount(options.position, 'position');
      const image = parseUImage(await readInput(file));
      await writeOutput(options.output, extractFile(image, position, file));
    });

  uimage
    .command('names')
    .description('list the short and long names of every os, arch, type and comp code')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) => {
      const categories: CodeCategory[] = ['arch', 'os', 'type', 'comp'];
      if (options.json) {
        printJson(Object.fromEntries(categories.map((category) => [category, codeTable(category)])));
        return;
      }
      for (const category of categories) {
        process.stdout.write(`${category}:\n`);
        for (const { code, short, long } of codeTable(category)) {
          process.stdout.write(`  ${String(code).padStart(3)}  ${short.padEnd(22)} ${long}\n`);
        }
      }
    });
}

interface CreateFlags {
  architecture: string;
  os: string;
  type: string;
  compression: string;
  loadAddress: string;
  entryPoint?: string;
  name: string;
  datafile: string;
  xip?: boolean;
}

function nameToCode(category: CodeCategory, name: string): number {
  const code = codeFromName(category, name);
  if (code === undefined) {
    throw new UsageError(`invalid ${category} "${name}" (see \`initkit uimage names\`)`);
  }
  return code;
}

/** dumpimage's rule: multi images give file N; every other type gives its whole payload. */
function extractFile(image: UImage, position: number, path: string): Uint8Array {
  if (image.header.type !== UIMAGE_TYPE.multi) return image.payload;
  const file = image.files[position];
  if (file === undefined) {
    throw new UsageError(
      `no file ${position} in ${path}: it holds ${image.files.length} (positions 0..${image.files.length - 1})`,
    );
  }
  return file;
}

/** The JSON form of an image: every header field, names decoded, and where each file lies. */
function describe(image: UImage) {
  const { header } = image;
  const named = (category: CodeCategory, code: number) => ({
    code,
    name: shortName(category, code) ?? null,
    description: longName(category, code),
  });
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
    os: named('os', header.os),
    arch: named('arch', header.arch),
    type: named('type', header.type),
    compression: named('comp', header.compression),
    size: header.size,
    loadAddress: `0x${header.load.toString(16).padStart(8, '0')}`,
    entryPoint: `0x${header.entry.toString(16).padStart(8, '0')}`,
    headerCrc: `0x${header.headerCrc.toString(16).padStart(8, '0')}`,
    dataCrc: `0x${header.dataCrc.toString(16).padStart(8, '0')}`,
    dataCrcOk: image.dataCrcOk,
    files,
  };
}
