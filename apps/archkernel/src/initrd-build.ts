/**
 * Patching the provider's initrd: open it (uImage data CRC checked, gzip inflated as a stream, only
 * /init and modules.dep kept in memory), plan the edit with @initkit/initramfs (the module closure
 * under lib/modules/<release>/ with modules.dep, /init wrapped to insmod them and then source
 * /init.scw, an insmod link when the provider has none), and write it in append mode: the provider's
 * bytes untouched, one small gzip member after them, no uImage header (kexec hands the initrd to the
 * kernel as is). The output is assembled in the fetched buffer itself (the member copied after the
 * provider's payload, in the room the fetch left), so the write, the check and the kexec plan share one
 * copy. Then check the written file reads back with the written hash and the member holds what was planned.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readCpio, S_IFMT, S_IFREG } from '@initkit/cpio';
import {
  concatParts,
  dataNeededForEdit,
  type EditPlan,
  type EditRequest,
  type Initrd,
  type OutputPart,
  planEdit,
  writeInitrd,
} from '@initkit/initramfs';
import { openInitrd } from '@initkit/initramfs/node';
import { ModuleDatabase } from '@initkit/kmod';
import { appError } from './errors.js';
import type { ModuleFacts } from './facts.js';
import { ORIGINAL_INIT } from './plan.js';

/** Where a busybox initrd may have insmod; when none is there the wrapper gets a link to busybox. */
const INSMOD_PATHS = ['sbin/insmod', 'bin/insmod', 'usr/sbin/insmod', 'usr/bin/insmod'];
const BUSYBOX_PATHS = ['bin/busybox', 'usr/bin/busybox', 'sbin/busybox'];

/**
 * The appended member's gzip level: 6 (gzip's default) instead of the original's -9. On the rig's 10
 * modules (1.45 MB) level 9 is 0.25% smaller (561525 vs 562909 bytes) and took 3x as long (372-447 vs
 * 107-147 ms for node:zlib under qemu-user, armhf Node 20.11; under TCG most of the build's encode).
 */
const GZIP_LEVEL = 6;

export interface BuiltInitrd {
  initrd: Initrd;
  plan: EditPlan;
  /** The whole output: a view of the provider's buffer when the member fitted after its payload. */
  bytes: Uint8Array;
  /** Whether `bytes` was assembled in the provider's buffer (false: a new copy). */
  inPlace: boolean;
  memberLength: number;
  addedInsmodLink: string | undefined;
  provider: { size: number; payloadLength: number; compressions: string[]; uImageName: string | undefined };
}

export interface BuildOptions {
  /** The fetched provider initrd (uImage or bare). */
  provider: Uint8Array;
  modules: ModuleFacts;
  /** The module directory on disk (root prefix applied). */
  moduleRoot: string;
  onProgress?: (done: number, total: number) => void;
  mtime?: number;
}

export async function buildInitrd(options: BuildOptions): Promise<BuiltInitrd> {
  const { modules } = options;
  const files = new Map<string, Uint8Array>();
  for (const name of ['modules.dep', 'modules.softdep', 'modules.builtin']) {
    try {
      files.set(name, readFileSync(`${options.moduleRoot}/${name}`));
    } catch {
      // modules.dep was checked when the facts were read; the others are optional.
    }
  }
  const request: EditRequest = {
    modules: {
      release: modules.release,
      database: new ModuleDatabase(files),
      readModule: (path) => readFileSync(`${options.moduleRoot}/${path}`),
      names: modules.closure.map((module) => module.name),
      decompress: modules.decompress,
    },
    wrapInit: { originalName: ORIGINAL_INIT, handover: 'source' },
    mtime: options.mtime,
  };
  const initrd = await openInitrd(options.provider, {
    keepData: dataNeededForEdit(request),
    onProgress: options.onProgress,
  });
  const tree = initrd.tree;
  let addedInsmodLink: string | undefined;
  if (!INSMOD_PATHS.some((path) => tree.lookup(path))) {
    const busybox = BUSYBOX_PATHS.find((path) => {
      const node = tree.lookup(path);
      return node !== undefined && (node.inode.mode & S_IFMT) === S_IFREG;
    });
    if (busybox) {
      addedInsmodLink = 'sbin/insmod';
      request.add = [{ path: addedInsmodLink, symlink: `/${busybox}` }];
    }
  }
  // The provider's uImage header says which machine its initrd is for; without it, its busybox does.
  const plan = planEdit(tree, { ...request, uImageArch: initrd.wrapper?.arch });
  const written = writeInitrd(initrd, plan, { mode: 'append', compression: 'gzip', level: GZIP_LEVEL });
  // The first part is the uImage header when the provider's initrd had one: kexec wants the bare initrd.
  const parts = initrd.wrapper ? written.parts.slice(1) : written.parts;
  const length = initrd.wrapper ? written.length - 64 : written.length;
  const output = assemble(initrd, parts, length);
  return {
    initrd,
    plan,
    ...output,
    memberLength: written.memberLength,
    addedInsmodLink,
    provider: {
      size: initrd.size,
      payloadLength: initrd.payloadLength,
      compressions: initrd.members.map((member) => member.compression),
      uImageName: initrd.wrapper?.name,
    },
  };
}

/**
 * The output in one array. Append mode's parts are the provider's payload then the new bytes: when the
 * payload is a view of the fetched buffer and that buffer has room after it, the new bytes are copied
 * there (nothing after the payload is read again) instead of into a second copy of the whole initrd.
 */
function assemble(
  initrd: Initrd,
  parts: readonly OutputPart[],
  length: number,
): { bytes: Uint8Array; inPlace: boolean } {
  const [first, ...rest] = parts;
  if (first && !(first instanceof Uint8Array) && first.payloadStart === 0 && initrd.payload) {
    const payload = initrd.readPayload(0, first.payloadEnd);
    const room = payload.buffer.byteLength - payload.byteOffset;
    if (room >= length && rest.every((part) => part instanceof Uint8Array)) {
      const bytes = new Uint8Array(payload.buffer, payload.byteOffset, length);
      let at = payload.length;
      for (const part of rest as Uint8Array[]) {
        bytes.set(part, at);
        at += part.length;
      }
      return { bytes, inPlace: true };
    }
  }
  return { bytes: concatParts(parts, initrd), inPlace: false };
}

/** The SHA-256 of a file, read in pieces into one buffer. */
function fileSha256(path: string): { size: number; sha256: string } {
  const hash = createHash('sha256');
  const buffer = new Uint8Array(256 << 10);
  const fd = openSync(path, 'r');
  let size = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      size += read;
    }
  } finally {
    closeSync(fd);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Byte equality through Buffer's native compare: a callback per byte is ~1.4 M calls for the modules, slow under TCG. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/**
 * Checks the written initrd: the file reads back with the size and SHA-256 of the output it was written
 * from, and the output's appended member (the provider's part is its fetched bytes, CRCs checked) holds
 * /init the wrapper, the original at /init.scw, and every planned module and file with the planned bytes.
 */
export function verifyInitrd(
  path: string,
  output: { bytes: Uint8Array; sha256: string; memberLength: number },
  plan: EditPlan,
): { entries: number } {
  const file = fileSha256(path);
  if (file.size !== output.bytes.length || file.sha256 !== output.sha256) {
    throw appError(
      'ARCHKERNEL_VERIFY_FAILED',
      `${path} reads back as ${file.size} bytes with SHA-256 ${file.sha256}, written ${output.bytes.length} with ${output.sha256}`,
    );
  }
  // The member is gzip (buildInitrd asks for it): inflated whole (it is small), its CRC checked by zlib.
  const member = gunzipSync(output.bytes.subarray(output.bytes.length - output.memberLength));
  const found = new Map(readCpio(member).entries.map((entry) => [entry.name.replace(/^\.\//, ''), entry]));
  for (const entry of plan.entries) {
    const read = found.get(entry.path);
    if (!read) throw appError('ARCHKERNEL_VERIFY_FAILED', `${path}: /${entry.path} is missing after the rebuild`);
    if (read.mode !== entry.mode) {
      throw appError(
        'ARCHKERNEL_VERIFY_FAILED',
        `${path}: /${entry.path} has mode ${read.mode.toString(8)}, planned ${entry.mode.toString(8)}`,
      );
    }
    if (!sameBytes(read.data, entry.data)) {
      throw appError('ARCHKERNEL_VERIFY_FAILED', `${path}: /${entry.path} differs from the planned contents`);
    }
  }
  if (!found.has(ORIGINAL_INIT)) {
    throw appError('ARCHKERNEL_VERIFY_FAILED', `${path}: /${ORIGINAL_INIT} (the provider's /init) is missing`);
  }
  return { entries: plan.entries.length };
}
