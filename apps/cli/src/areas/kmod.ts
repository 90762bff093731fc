/**
 * `initkit kmod`: kernel modules as modprobe, modinfo and depmod see them: `deps` (the closure in load
 * order, or modprobe --show-depends lines), `info` (modinfo's output and -F), `depmod -b DIR KVER`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { release as runningRelease } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { LoadStep } from '@initkit/kmod';
import type { Command } from 'commander';
import { printJson } from '../output.js';
import { UsageError } from '../usage-error.js';

// Each sub-command imports what it runs when it runs: `kmod depmod` loads only the depmod entry
// (no compression or kernel-image code), as start-up is a good part of its time.
const loadKmod = () => import('@initkit/kmod');
const loadKmodNode = () => import('@initkit/kmod/node');
const loadDepmod = () => import('@initkit/kmod/node/depmod');

const DEPMOD_TEXT_FILES = ['modules.dep', 'modules.alias', 'modules.softdep', 'modules.symbols', 'modules.devname'];

interface DepsFlags {
  root: string;
  kver?: string;
  showDepends?: boolean;
  json?: boolean;
  config?: string;
}

/** Adds the `kmod` sub-commands to the area's command (named and described in catalog.ts). */
export function registerKmod(kmod: Command): void {
  kmod
    .command('deps')
    .description('the modules to load for MODULE... (names or aliases) in load order, one file path a line')
    .argument('<module...>', 'module names or aliases (- and _ are the same)')
    .option('-b, --root <dir>', 'root directory holding lib/modules/KVER', '/')
    .option('-k, --kver <release>', 'kernel release (default: the running kernel)')
    .option(
      '-C, --config <dir>',
      'read modprobe.d *.conf files from DIR only (default: ROOT/etc/modprobe.d, ROOT/usr/lib/modprobe.d, ...)',
    )
    .option('--show-depends', 'print exactly what `modprobe --show-depends` prints (insmod/install/builtin lines)')
    .option('--json', 'print the load steps as JSON')
    .action(async (modules: string[], options: DepsFlags) => {
      const { formatShowDepends, probeList, resolveModules, emptyModprobeConfig, parseModprobeConfig } =
        await loadKmod();
      const { assertModuleFilesExist, loadModuleDatabase, moduleDirectory, readModprobeConfig } = await loadKmodNode();
      const release = options.kver ?? runningRelease();
      const directory = moduleDirectory(options.root, release);
      // modprobe.d changes the answers as it changes modprobe's (alias, softdep, install, options, blacklist).
      const config = options.config === undefined ? readModprobeConfig(options.root) : emptyModprobeConfig();
      if (options.config !== undefined) {
        for (const name of readdirSync(options.config)
          .filter((file) => file.endsWith('.conf'))
          .sort())
          parseModprobeConfig(readFileSync(join(options.config, name), 'utf8'), config);
      }
      const database = await loadModuleDatabase(directory, {
        depmodIfMissing: true,
        aliases: config.aliases,
        softdeps: config.softdeps,
        blacklist: config.blacklist,
      });
      const loadConfig = { installs: config.installs, options: config.options };
      if (options.showDepends) {
        if (modules.length !== 1) throw new UsageError('--show-depends takes one module, as modprobe does');
        const steps = probeList(database, modules[0]!, loadConfig);
        assertModuleFilesExist(directory, database, steps);
        process.stdout.write(formatShowDepends(steps, directory));
        return;
      }
      const steps = resolveModules(database, modules, loadConfig);
      assertModuleFilesExist(directory, database, steps);
      if (options.json) printJson(steps.map((step) => describeStep(step, directory)));
      else
        for (const step of steps)
          if (step.kind === 'insmod') process.stdout.write(`${modulePath(directory, step.path)}\n`);
    });

  kmod
    .command('info')
    .description("show a module file's .modinfo and signature, as `modinfo FILE` prints them")
    .argument('<file>', 'module file (.ko, .ko.gz, .ko.xz, .ko.zst)')
    .option('-F, --field <field>', "print only this field's values (modinfo -F)")
    .option('-0, --null', 'end each value with NUL instead of a newline')
    .option('--json', 'print the fields as JSON')
    .action(async (file: string, options: { field?: string; null?: boolean; json?: boolean }) => {
      const { formatModinfo, modinfoEntries } = await loadKmod();
      const { readKernelModuleFile } = await loadKmodNode();
      const module = await readKernelModuleFile(file);
      if (options.json) {
        printJson({
          filename: file,
          name: module.name,
          compression: module.compression ?? null,
          elf: { class: module.elf.elfClass, littleEndian: module.elf.littleEndian, machine: module.elf.machine },
          signed: module.signature !== undefined,
          fields: modinfoEntries(module).filter((entry) => options.field === undefined || entry.key === options.field),
        });
        return;
      }
      process.stdout.write(
        formatModinfo(module, { field: options.field, filename: file, separator: options.null ? '\0' : '\n' }),
      );
    });

  kmod
    .command('depmod')
    .description(
      'write modules.dep, modules.alias, ... and the binary indexes for DIR/lib/modules/KVER, as `depmod -b` does',
    )
    .argument('<kver>', 'kernel release')
    .option('-b, --basedir <dir>', 'root directory holding lib/modules/KVER', '/')
    .option('-n, --dry-run', 'print the text files to stdout instead of writing them')
    .option('-P, --symbol-prefix <char>', 'architecture symbol prefix')
    .action(async (release: string, options: { basedir: string; dryRun?: boolean; symbolPrefix?: string }) => {
      const { depmodDirectory, moduleDirectory } = await loadDepmod();
      const directory = moduleDirectory(options.basedir, release);
      const result = await depmodDirectory(directory, { dryRun: options.dryRun, symbolPrefix: options.symbolPrefix });
      if (options.dryRun) {
        for (const name of DEPMOD_TEXT_FILES) {
          const contents = result.files.get(name);
          if (contents) process.stdout.write(contents);
        }
      }
    });
}

/** A modules.dep path on disk: absolute paths (external modules) are used as they are, as libkmod does. */
function modulePath(directory: string, path: string): string {
  return isAbsolute(path) ? path : join(directory, path);
}

function describeStep(step: LoadStep, directory: string): Record<string, string> {
  if (step.kind === 'builtin') return { kind: 'builtin', name: step.name };
  const described: Record<string, string> = { kind: 'insmod', name: step.name, path: modulePath(directory, step.path) };
  if (step.options !== undefined) described.options = step.options;
  if (step.install !== undefined) described.install = step.install;
  return described;
}
