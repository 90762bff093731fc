/**
 * A program with its shared-library closure, read from the ELF files themselves: the program
 * interpreter (PT_INTERP) and every DT_NEEDED library, searched in DT_RPATH (without DT_RUNPATH),
 * DT_RUNPATH ($ORIGIN expanded), then the default directories of the binary's machine, as ld.so
 * does. Each file lands in the initrd at the path it was found at, with the bytes of what it points to.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { initramfsError } from '../../errors.js';
import { readElfInfo } from '../elf-info.js';
import type { SourceFile } from '../plan.js';

/** Debian's multiarch triplets per ELF machine. */
function multiarch(machine: number): string[] {
  switch (machine) {
    case 62:
      return ['x86_64-linux-gnu'];
    case 3:
      return ['i386-linux-gnu'];
    case 40:
      return ['arm-linux-gnueabihf', 'arm-linux-gnueabi'];
    case 183:
      return ['aarch64-linux-gnu'];
    case 243:
      return ['riscv64-linux-gnu'];
    case 21:
      return ['powerpc64le-linux-gnu'];
    case 22:
      return ['s390x-linux-gnu'];
    default:
      return [];
  }
}

function defaultDirectories(machine: number, elfClass: 32 | 64): string[] {
  const triplets = multiarch(machine);
  return [
    ...triplets.flatMap((t) => [`/lib/${t}`, `/usr/lib/${t}`]),
    ...(elfClass === 64 ? ['/lib64', '/usr/lib64'] : []),
    '/lib',
    '/usr/lib',
  ];
}

export interface BinaryClosureOptions {
  /** Look for libraries under this directory instead of / (a sysroot of the target's architecture). */
  sysroot?: string;
}

function readRegular(hostPath: string): { data: Uint8Array; mode: number } {
  const real = realpathSync(hostPath);
  const info = statSync(real);
  if (!info.isFile()) throw initramfsError('INITRAMFS_NOT_A_FILE', `${hostPath} is not a regular file`);
  const bytes = readFileSync(real);
  return { data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), mode: info.mode & 0o7777 };
}

/**
 * The program at `hostPath` (placed at `targetPath`, default the same path) and everything it loads.
 * A static program is just itself.
 */
export function binaryClosure(
  hostPath: string,
  targetPath = hostPath,
  options: BinaryClosureOptions = {},
): SourceFile[] {
  const root = options.sysroot ?? '/';
  const files = new Map<string, SourceFile>();
  const program = readRegular(hostPath);
  files.set(targetPath, { path: targetPath, data: program.data, mode: program.mode | 0o111, source: hostPath });
  const queue: { path: string; data: Uint8Array; origin: string }[] = [
    { path: hostPath, data: program.data, origin: dirname(hostPath) },
  ];
  const first = readElfInfo(program.data, hostPath);
  if (first.interpreter) {
    const host = join(root, first.interpreter);
    if (!existsSync(host)) {
      throw initramfsError(
        'INITRAMFS_LIBRARY_NOT_FOUND',
        `${hostPath} needs the program interpreter ${first.interpreter}, not found at ${host}`,
      );
    }
    const interpreter = readRegular(host);
    files.set(first.interpreter, {
      path: first.interpreter,
      data: interpreter.data,
      mode: interpreter.mode | 0o111,
      source: host,
    });
  }
  while (queue.length > 0) {
    const current = queue.shift()!;
    const info = readElfInfo(current.data, current.path);
    const searched = [...(info.runpath.length === 0 ? info.rpath : []), ...info.runpath].map((directory) =>
      directory.replaceAll('$ORIGIN', current.origin).replaceAll('${ORIGIN}', current.origin),
    );
    const directories = [...searched, ...defaultDirectories(first.machine, first.elfClass)];
    for (const library of info.needed) {
      if ([...files.keys()].some((path) => posix.basename(path) === library)) continue;
      const found = directories
        .map((directory) => posix.join(directory, library))
        .find((path) => existsSync(join(root, path)));
      if (!found) {
        throw initramfsError(
          'INITRAMFS_LIBRARY_NOT_FOUND',
          `${current.path} needs ${library}, found in none of ${directories.join(', ')}${root === '/' ? '' : ` under ${root}`}`,
        );
      }
      const bytes = readRegular(join(root, found));
      files.set(found, { path: found, data: bytes.data, mode: bytes.mode, source: join(root, found) });
      queue.push({ path: found, data: bytes.data, origin: posix.dirname(found) });
    }
  }
  return [...files.values()];
}
