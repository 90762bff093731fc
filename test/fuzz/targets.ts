/**
 * The fuzz targets: one per parser, each with its seed corpus (the committed fixtures) and, where there is
 * one, the directory of hostile cases under fixtures/fuzz/ replayed on every pass. A plain module (no
 * vitest) exporting TARGETS: the watchdog's worker thread loads it, and any module of the same shape.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHush } from '@initkit/bootscript';
import { decode } from '@initkit/compress';
import { readCpio } from '@initkit/cpio';
import { formatDts, parseFdt } from '@initkit/fdt';
import { readInitrd } from '@initkit/initramfs';
import { KmodIndex, parseModulesDep, readKernelModule } from '@initkit/kmod';
import { decodePacket } from '@initkit/tftp';
import { parseUImage } from '@initkit/uimage';
import { repoRoot } from '../harness/run.js';
import { MAX_SEED_BYTES } from './heartbeat.js';

/** Output limit given to the decoders: far below what would hurt, far above any fixture. */
const LIMIT = 16 << 20;

export interface Target {
  name: string;
  corpus: () => Uint8Array[];
  parse: (bytes: Uint8Array) => unknown;
  /** The directory under fixtures/fuzz/ whose committed cases are replayed, when there is one. */
  replay?: string;
}

/** The files under `directory` (from the repository's root) whose names match, up to 4 MiB each. */
export function files(directory: string, pattern: RegExp): Uint8Array[] {
  const root = join(repoRoot, directory);
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => pattern.test(name))
    .map((name) => new Uint8Array(readFileSync(join(root, name))))
    .filter((bytes) => bytes.length <= MAX_SEED_BYTES);
}

const text = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);

export const TARGETS: Target[] = [
  {
    name: 'uImage',
    corpus: () => files('fixtures/uimage', /\.uimg$/),
    parse: (b) => parseUImage(b),
    replay: 'uimage',
  },
  { name: 'cpio', corpus: () => files('fixtures/cpio', /\.cpio$/), parse: (b) => readCpio(b), replay: 'cpio' },
  ...['gz', 'xz', 'zst', 'lz4', 'lzma', 'lzo', 'bz2'].map((suffix) => ({
    name: `decode .${suffix}`,
    corpus: () => files('fixtures/compress', new RegExp(`\\.${suffix}$`)),
    parse: (b: Uint8Array) => decode(b, { maxOutputBytes: LIMIT }),
  })),
  {
    name: 'ELF module',
    corpus: () => files('fixtures/archkernel/modules', /\.ko$/),
    parse: (b) => readKernelModule(b),
  },
  {
    name: 'kmod index',
    corpus: () => files('fixtures/archkernel/modules', /\.bin$/),
    parse: (b) => new KmodIndex(b).entries(),
  },
  {
    name: 'modules.dep',
    corpus: () => files('fixtures/archkernel/modules', /modules\.dep$/),
    parse: (b) => parseModulesDep(text(b)),
  },
  {
    name: 'boot script',
    corpus: () => files('fixtures/bootscript/scripts', /\.txt$/),
    parse: (b) => parseHush(text(b)),
  },
  {
    name: 'TFTP packet',
    corpus: () => [
      new Uint8Array([0, 1, ...new TextEncoder().encode('file\0octet\0blksize\x001468\0tsize\x000\0')]),
      new Uint8Array([0, 3, 0, 1, 1, 2, 3]),
      new Uint8Array([0, 4, 0, 1]),
      new Uint8Array([0, 5, 0, 1, ...new TextEncoder().encode('not found\0')]),
      new Uint8Array([0, 6, ...new TextEncoder().encode('blksize\x001468\0')]),
    ],
    parse: (b) => decodePacket(b),
    replay: 'tftp',
  },
  {
    name: 'device tree',
    corpus: () => files('fixtures/fdt', /\.dtb$/),
    parse: (b) => formatDts(parseFdt(b)),
    replay: 'fdt',
  },
  {
    name: 'initrd',
    corpus: () => files('fixtures/initramfs', /\.(img|uimg)$/),
    parse: (b) => readInitrd(b, { maxMemberBytes: LIMIT }),
  },
];
