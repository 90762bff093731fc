/**
 * `initkit kexec`: load, unload and start a kernel with kexec-tools' flags (-l/--load, --initrd,
 * --append/--command-line, --reuse-cmdline, --dtb, -s/-c, -u, -e, -S), plus --dry-run (print the plan,
 * load nothing: with --iomem FILE and --arch it runs unprivileged on any machine) and --json.
 */
import { InitkitError } from '@initkit/core';
import { libcFiles, nodeFs, readFileFast } from '@initkit/core/node';
import {
  formatPlan,
  isGzip,
  type KexecArch,
  KexecError,
  type KexecPlan,
  loadGunzip,
  planKexec,
  planToJson,
  totalRam,
} from '@initkit/kexec';
import {
  execKexec,
  hostArch,
  loadPlan,
  mapFileReadOnly,
  readCurrentDtb,
  readKexecState,
  readMemoryRanges,
  reusableCmdline,
  unloadKexec,
} from '@initkit/kexec/node';
import type { Command } from 'commander';
import { printJson } from '../output.js';
import { UsageError } from '../usage-error.js';

/** The options as commander hands them to the action (kexec-argv.ts builds the same without it). */
export interface KexecOptions {
  load?: string | true;
  initrd?: string;
  ramdisk?: string;
  append?: string;
  commandLine?: string;
  reuseCmdline?: boolean;
  dtb?: string;
  kexecFileSyscall?: boolean;
  kexecSyscall?: boolean;
  unload?: boolean;
  exec?: boolean;
  status?: boolean;
  dryRun?: boolean;
  json?: boolean;
  iomem?: string;
  arch?: string;
  imageSize?: string;
}

const ARCHES: readonly KexecArch[] = ['arm', 'x86_64', 'arm64'];

/** Adds the options and action to the `kexec` command (named and described in catalog.ts). */
export function registerKexec(kexec: Command): void {
  kexec
    .argument('[kernel]', 'the kernel to load with -l (also accepted as the value of -l)')
    .option(
      '-l, --load [kernel]',
      'load KERNEL (zImage or uImage on arm, bzImage on x86_64, Image or Image.gz on arm64)',
    )
    .option('--initrd <file>', 'the initrd to hand the new kernel')
    .option('--ramdisk <file>', 'the same as --initrd')
    .option('--append <cmdline>', 'the new kernel command line')
    .option('--command-line <cmdline>', 'the same as --append')
    .option('--reuse-cmdline', 'start from the running kernel command line (/proc/cmdline, without BOOT_IMAGE=)')
    .option('--dtb <file>', 'arm: the device tree to hand over (default: /sys/firmware/fdt)')
    .option('-s, --kexec-file-syscall', 'use kexec_file_load (the default on x86_64 and arm64)')
    .option('-c, --kexec-syscall', 'use kexec_load (the default and only choice on arm)')
    .option('-u, --unload', 'unload the loaded image')
    .option('-e, --exec', 'sync the file systems and start the loaded kernel now')
    .option('-S, --status', 'exit 0 when an image is loaded, 1 when not (prints the state with --json)')
    .option('--dry-run', 'print the plan and load nothing')
    .option('--json', 'print the plan (or the state) as JSON')
    .option(
      '--image-size <bytes>',
      'arm: room for the decompressed kernel with its bss (raised to what the zImage says)',
    )
    .option('--iomem <file>', 'the memory map to plan with (default: /proc/iomem)')
    .option('--arch <arch>', `plan for this architecture (${ARCHES.join(', ')}; default: this machine's)`)
    .addHelpText(
      'after',
      `
Examples:
  initkit kexec -l /boot/zImage --initrd /boot/initrd.gz --reuse-cmdline && initkit kexec -e
  initkit kexec -l zImage --initrd initrd --append "console=ttyAMA0" --dtb board.dtb \\
      --iomem iomem.txt --arch arm --dry-run --json

Exit status: 0 done (with -S: an image is loaded), 1 failure, 2 usage error.`,
    )
    .action(kexecAction);
}

function status(options: KexecOptions): void {
  const state = readKexecState();
  if (options.json) printJson({ ...state, loadDisabled: state.loadDisabled ?? null, lockdown: state.lockdown ?? null });
  process.exitCode = state.loaded ? 0 : 1;
}

async function load(kernelPath: string, options: KexecOptions): Promise<void> {
  const arch = resolveArch(options.arch);
  if (options.append !== undefined && options.commandLine !== undefined && options.append !== options.commandLine) {
    throw new UsageError('--append and --command-line say different things: give one');
  }
  const initrdPath = options.initrd ?? options.ramdisk;
  const syscall = options.kexecFileSyscall ? 'kexec_file_load' : options.kexecSyscall ? 'kexec_load' : undefined;
  const appended = options.append ?? options.commandLine;
  const cmdline = options.reuseCmdline
    ? [reusableCmdline(), appended].filter((part) => part !== undefined && part !== '').join(' ')
    : appended;

  const ranges = arch === 'arm' ? readMemoryRanges(options.iomem) : undefined;
  // Refuse an initrd that cannot fit before reading it into memory.
  if (initrdPath && ranges) {
    const size = (libcFiles()?.status(initrdPath) ?? nodeFs().statSync(initrdPath)).size;
    const ram = totalRam(ranges);
    if (size > ram) {
      throw new KexecError('KEXEC_TOO_LARGE', `${initrdPath} is ${size} bytes, more than the ${ram} bytes of RAM`);
    }
  }
  // A load maps the kernel and the initrd (kexec-tools maps the initrd): the kernel copies them from the
  // page cache, and this process reads only the pages the planner looks at. A dry run reads them.
  const fileBytes = (path: string) => (options.dryRun ? readWhole(path) : mapFileReadOnly(path));
  const kernel = await fileBytes(kernelPath);
  const initrd = initrdPath ? await fileBytes(initrdPath) : undefined;
  const dtb = arch === 'arm' ? (options.dtb ? readWhole(options.dtb) : readCurrentDtb()) : undefined;
  // Only an Image.gz loads the decompressors (most of this command's code once bundled).
  const gunzip = isGzip(kernel) ? await loadGunzip() : undefined;
  let plan: KexecPlan;
  try {
    plan = planKexec({
      arch,
      kernel,
      ...(initrd ? { initrd } : {}),
      ...(cmdline !== undefined ? { cmdline } : {}),
      ...(dtb ? { dtb } : {}),
      ...(ranges ? { ranges } : {}),
      ...(syscall ? { syscall } : {}),
      ...(options.imageSize !== undefined ? { imageSize: parseSize(options.imageSize) } : {}),
      ...(gunzip ? { gunzip } : {}),
    });
  } catch (error) {
    const aboutKernel =
      error instanceof KexecError && (error.code === 'KEXEC_NOT_A_KERNEL' || error.code === 'KEXEC_TRUNCATED');
    throw aboutKernel ? error.withSource(kernelPath) : error;
  }
  if (options.dryRun) {
    if (options.json) printJson(planToJson(plan));
    else process.stdout.write(formatPlan(plan));
    return;
  }
  await loadPlan(plan, { kernelPath, ...(initrdPath ? { initrdPath } : {}) });
  if (options.json) printJson(planToJson(plan));
}

/**
 * A whole file in one read(2), the bytes then handed to the planner and the system call without another
 * copy (through the C library where it can: @initkit/core/node's libcFiles). fs.promises.readFile reads
 * in 512 KiB steps through the thread pool: ~180 round trips for a 90 MiB initrd, which cost seconds
 * under emulation. A directory fails as EISDIR, named by run.ts.
 */
function readWhole(path: string): Uint8Array {
  let buffer: Buffer;
  try {
    buffer = readFileFast(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_FS_FILE_TOO_LARGE')
      throw new InitkitError('FILE_TOO_LARGE', `${path} is over 2 GiB, more than one read can hold`);
    throw error;
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** kexec-tools reads --image-size with strtoul(..., 0): decimal, 0x hex or 0 octal. */
function parseSize(text: string): number {
  const value = /^0[xX][0-9a-fA-F]+$/.test(text)
    ? Number.parseInt(text, 16)
    : /^\d+$/.test(text)
      ? Number(text)
      : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new UsageError(`--image-size ${text}: expected a size in bytes (decimal or 0x hex)`);
  return value;
}

function resolveArch(text: string | undefined): KexecArch {
  if (text !== undefined) {
    const arch =
      text === 'armv7l' || text === 'armhf' ? 'arm' : text === 'aarch64' ? 'arm64' : text === 'amd64' ? 'x86_64' : text;
    if (!(ARCHES as readonly string[]).includes(arch)) {
      throw new UsageError(`--arch ${text}: expected one of ${ARCHES.join(', ')}`);
    }
    return arch as KexecArch;
  }
  const host = hostArch();
  if (!host)
    throw new UsageError(`this machine (${process.arch}) has no kexec support here: pass --arch with --dry-run`);
  return host;
}

/** What `initkit kexec` does with its [kernel] argument and options. */
export async function kexecAction(kernelArgument: string | undefined, options: KexecOptions): Promise<void> {
  const loadOption = options.load;
  const kernel = typeof loadOption === 'string' ? loadOption : kernelArgument;
  const actions = [loadOption !== undefined, options.unload, options.exec, options.status].filter(Boolean).length;
  if (actions !== 1) throw new UsageError('say exactly one of -l/--load, -u/--unload, -e/--exec, -S/--status');
  if (options.kexecFileSyscall && options.kexecSyscall) throw new UsageError('-s and -c exclude each other');
  if (options.status) return status(options);
  // Not readKexecState().root: that reads six /proc and /sys files to answer this one question.
  if (!options.dryRun && process.getuid?.() !== 0) {
    throw new KexecError('KEXEC_PERMISSION', 'loading, unloading or starting a kernel needs root (CAP_SYS_BOOT)', {
      hint: 'run as root, or add --dry-run to print the plan only',
    });
  }
  if (options.unload) return unloadKexec();
  if (options.exec) return execKexec();
  if (!kernel) throw new UsageError('-l needs a kernel file');
  await load(kernel, options);
}
