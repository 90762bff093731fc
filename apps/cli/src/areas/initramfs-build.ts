/**
 * `initkit initramfs build` and `initkit initramfs check`: small, reproducible initrds made from
 * profiles resolved against the target kernel's module tree, and static checks that an image can boot
 * a given kernel. Registered on the initramfs area's command by initramfs.ts.
 */
import type { CompressionFormat } from '@initkit/compress';
import { InitkitError } from '@initkit/core';
import { writeFileAtomic } from '@initkit/core/node';
import { formatChain, initApplets } from '@initkit/initramfs';
import { buildInitrd, buildManifest, checkInitrdFile, listProfiles, resolveInitrdChain } from '@initkit/initramfs/node';
import type { Command } from 'commander';
import { withFile } from '../file-errors.js';
import { checkLevel, compressOption, levelOption, repeatable } from '../options.js';
import { outputMode, printJson } from '../output.js';
import { UsageError } from '../usage-error.js';

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid --root-wait ${value}: expected a number of seconds`);
  return Number(value);
}

/** `--add-file HOST:PATH`. */
function parseAddFile(spec: string): { host: string; path: string } {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`invalid --add-file ${spec}: expected HOST:PATH`);
  return { host: spec.slice(0, colon), path: spec.slice(colon + 1) };
}

interface BuildFlags {
  output?: string;
  kver?: string;
  modules?: string;
  profile?: string[];
  addModule?: string[];
  addFile?: string[];
  addBinary?: string[];
  busybox?: string;
  compress?: CompressionFormat;
  level?: number;
  microcode?: string;
  manifest?: string;
  config?: string;
  rootWait?: number;
  sysroot?: string;
  print?: boolean;
  json?: boolean;
  quiet?: boolean;
}

interface CheckFlags {
  kernel?: string;
  kver?: string;
  modules?: string;
  config?: string;
  profile?: string[];
  json?: boolean;
}

function oneTarget(flags: { kver?: string; modules?: string }, other = '--modules DIR'): void {
  if ((flags.kver === undefined) === (flags.modules === undefined)) {
    throw new UsageError(`give exactly one of --kver RELEASE or ${other}`);
  }
}

/** Adds `build` and `check` to the initramfs area's command. */
export function registerInitramfsBuild(initramfs: Command): void {
  initramfs
    .command('build')
    .description('build a small initrd from profiles resolved against the target kernel (reproducible)')
    .option('-o, --output <file>', 'where to write the initrd')
    .option('--kver <release>', 'target kernel: modules from /lib/modules/RELEASE, config from /boot/config-RELEASE')
    .option('--modules <dir>', 'target kernel: a lib/modules/<release> directory')
    .option(
      '--profile <name>',
      'a profile (repeatable; ext4 is added when no file-system profile is named; a path reads a file)',
      repeatable,
    )
    .option('--add-module <name>', 'a module or alias to add with what it needs (repeatable)', repeatable)
    .option('--add-file <host:path>', 'copy a host file to PATH (repeatable)', repeatable)
    .option('--add-binary <path>', 'copy a program with its shared libraries and interpreter (repeatable)', repeatable)
    .option(
      '--busybox <path>',
      'the busybox to use (default: the first found in /bin, /usr/bin, /sbin); it must provide every applet the /init runs (--print lists them)',
    )
    .addOption(compressOption('compression (default: one the kernel unpacks)'))
    .addOption(levelOption())
    .option('--microcode <dir>', 'early microcode files to put first, uncompressed (kernel/x86/microcode/)')
    .option('--manifest <file>', 'write a JSON manifest: every path with its source, size, sha256 and why')
    .option('--config <file>', 'the kernel config (default: beside the module tree, or /boot/config-RELEASE)')
    .option(
      '--root-wait <seconds>',
      'how long /init waits for the root device without rootdelay= (default 30)',
      parseSeconds,
    )
    .option(
      '--sysroot <dir>',
      'look for --add-binary libraries under DIR (a root of the target architecture); binaries inside DIR land at their path in it',
    )
    .option('--print', 'print the resolved module chain with the reason for each module')
    .option('--json', 'print a summary as JSON')
    .option('-q, --quiet', 'print nothing on success')
    .addHelpText(
      'after',
      `\nProfiles: ${safeProfiles()}.\nExample:\n  initkit initramfs build -o initrd.img --kver "$(uname -r)" --profile virtio --manifest initrd.json\n` +
        'Reproducible: the same inputs give the same bytes (mtime from SOURCE_DATE_EPOCH, else 0).',
    )
    .action(buildAction);

  initramfs
    .command('check')
    .description(
      'check statically that an initrd can boot a kernel: /init, its busybox applets, vermagic, dependencies, profiles, compression',
    )
    .argument('<image>', 'the initrd')
    .option('--kernel <file>', 'the kernel image (its release is read from it)')
    .option('--kver <release>', 'the kernel release')
    .option('--modules <dir>', 'the kernel module tree (default /lib/modules/RELEASE or beside the kernel)')
    .option('--config <file>', 'the kernel config (default beside the kernel or module tree, or /boot)')
    .option('--profile <name>', 'a profile whose resolved chain must be in the image (repeatable)', repeatable)
    .option('--json', 'print the results as JSON')
    .action(checkAction);
}

export async function buildAction(flags: BuildFlags): Promise<void> {
  oneTarget(flags);
  checkLevel(flags.level, flags.compress);
  if (flags.output === undefined && !flags.print) throw new UsageError('give -o FILE (or --print to see the chain)');
  if (flags.output === undefined && flags.manifest === undefined && !flags.json) {
    // --print alone: the chain needs no busybox or binaries (nor ones of the target's architecture).
    const { chain, profiles } = await resolveInitrdChain({
      ...(flags.kver === undefined ? {} : { kver: flags.kver }),
      ...(flags.modules === undefined ? {} : { modules: flags.modules }),
      profiles: flags.profile ?? [],
      addModules: flags.addModule ?? [],
    });
    process.stdout.write(formatChain(chain) + formatApplets(initApplets(profiles.flatMap((p) => p.features))));
    return;
  }
  const built = await buildInitrd({
    ...(flags.kver === undefined ? {} : { kver: flags.kver }),
    ...(flags.modules === undefined ? {} : { modules: flags.modules }),
    profiles: flags.profile ?? [],
    addModules: flags.addModule ?? [],
    addFiles: (flags.addFile ?? []).map(parseAddFile),
    addBinaries: flags.addBinary ?? [],
    ...(flags.busybox === undefined ? {} : { busybox: flags.busybox }),
    ...(flags.compress === undefined ? {} : { compression: flags.compress }),
    ...(flags.level === undefined ? {} : { level: flags.level }),
    ...(flags.microcode === undefined ? {} : { microcode: flags.microcode }),
    ...(flags.config === undefined ? {} : { config: flags.config }),
    ...(flags.rootWait === undefined ? {} : { rootWaitSeconds: flags.rootWait }),
    ...(flags.sysroot === undefined ? {} : { sysroot: flags.sysroot }),
  });
  if (flags.print) process.stdout.write(formatChain(built.chain) + formatApplets(built.plan.applets));
  const output = flags.output;
  if (output !== undefined) {
    await withFile(output, 'the -o output', () => writeFileAtomic(output, built.bytes, { mode: outputMode(output) }));
  }
  if (flags.manifest !== undefined) {
    await writeFileAtomic(
      flags.manifest,
      new TextEncoder().encode(`${JSON.stringify(buildManifest(built), null, 2)}\n`),
    );
  }
  const loaded = built.chain.modules.filter((module) => module.kind === 'insmod').length;
  const modulesWord = loaded === 1 ? 'module' : 'modules';
  const summary = {
    output: flags.output ?? null,
    release: built.release,
    compression: built.compression,
    bytes: built.bytes.length,
    profiles: built.profiles.map((profile) => profile.name),
    modules: loaded,
    builtin: built.chain.modules.filter((module) => module.kind === 'builtin').map((module) => module.name),
    skipped: built.chain.skipped.map((module) => module.name),
    config: built.configFile ?? null,
    applets: built.plan.applets,
  };
  if (flags.json) printJson(summary);
  else if (!flags.quiet && flags.output !== undefined) {
    process.stderr.write(
      `${flags.output}: ${summary.bytes} bytes, ${summary.compression}, ${loaded} ${modulesWord} for ${summary.release} (profiles ${summary.profiles.join(', ')})` +
        `${summary.skipped.length ? `; optional, not in this kernel: ${summary.skipped.join(', ')}` : ''}\n`,
    );
  }
}

/** The --print line saying which busybox applets the /init runs (what a --busybox must provide). */
function formatApplets(applets: readonly string[]): string {
  return `busybox applets the /init runs (${applets.length}): ${applets.join(' ')}\n`;
}

export async function checkAction(image: string, flags: CheckFlags): Promise<void> {
  if ((flags.kernel === undefined) === (flags.kver === undefined)) {
    throw new UsageError('give exactly one of --kernel FILE or --kver RELEASE');
  }
  const report = await checkInitrdFile(image, {
    ...(flags.kernel === undefined ? {} : { kernel: flags.kernel }),
    ...(flags.kver === undefined ? {} : { kver: flags.kver }),
    ...(flags.modules === undefined ? {} : { modules: flags.modules }),
    ...(flags.config === undefined ? {} : { config: flags.config }),
    profiles: flags.profile ?? [],
  });
  if (flags.json) printJson(report);
  else {
    for (const result of report.results) {
      process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'} ${result.name}: ${result.detail}\n`);
    }
    if (!report.configFile) process.stdout.write('note: no kernel config found: compression not checked\n');
  }
  if (!report.ok) {
    const failed = report.results.filter((result) => !result.ok).map((result) => result.name);
    throw new InitkitError('INITRAMFS_CHECK_FAILED', `${image} fails: ${failed.join(', ')}`);
  }
}

function safeProfiles(): string {
  try {
    return listProfiles().join(', ');
  } catch {
    return 'virtio, ec2-nitro, ec2-xen, gce, azure, scaleway-c1, ext4, xfs, btrfs';
  }
}
