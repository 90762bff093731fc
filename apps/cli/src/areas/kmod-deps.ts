/**
 * `initkit kmod deps`: the modules to load for MODULE... in load order (one path a line), or what
 * `modprobe --show-depends` prints, with modprobe's -d/--dirname, -S/--set-version, -a, -C.
 */
import type { LoadStep } from '@initkit/kmod';
import { withFile, withFileSync } from '../file-errors.js';
import { printJson, writeStdout } from '../output.js';
import { UsageError } from '../usage-error.js';
import { chooseRelease, configFilesIn, modulePath } from './kmod-tree.js';

// Each command imports what it runs when it runs (start-up is a good part of a short command's time).
const loadKmod = () => import('@initkit/kmod');
const loadKmodNode = () => import('@initkit/kmod/node');

export interface DepsFlags {
  dirname?: string;
  setVersion?: string;
  /** -b/--root and -k/--kver: the earlier names of -d and -S. */
  root?: string;
  kver?: string;
  all?: boolean;
  showDepends?: boolean;
  json?: boolean;
  config?: string;
}

export async function depsAction(modules: string[], flags: DepsFlags): Promise<void> {
  const { formatShowDepends, probeList, resolveModules, emptyModprobeConfig, parseModprobeConfig } = await loadKmod();
  const { assertModuleFilesExist, loadModuleDatabase, moduleDirectory, readModprobeConfig } = await loadKmodNode();
  const root = flags.dirname ?? flags.root ?? '/';
  const release = chooseRelease(root, flags.setVersion ?? flags.kver);
  const directory = moduleDirectory(root, release);
  if (flags.showDepends && modules.length > 1 && !flags.all) {
    throw new UsageError(
      '--show-depends takes one module (as modprobe: the words after it are its parameters); give -a for several',
    );
  }
  // modprobe.d changes the answers as it changes modprobe's (alias, softdep, install, options, blacklist).
  const config = flags.config === undefined ? readModprobeConfig(root) : emptyModprobeConfig();
  if (flags.config !== undefined) {
    const directoryOfConfig = flags.config;
    for (const text of withFileSync(directoryOfConfig, 'the -C modprobe.d directory', () =>
      configFilesIn(directoryOfConfig),
    )) {
      parseModprobeConfig(text, config);
    }
  }
  const database = await withFile(directory, 'the module tree (-d ROOT, -S RELEASE)', () =>
    loadModuleDatabase(directory, {
      depmodIfMissing: true,
      aliases: config.aliases,
      softdeps: config.softdeps,
      blacklist: config.blacklist,
    }),
  );
  const loadConfig = { installs: config.installs, options: config.options };
  if (flags.showDepends) {
    // modprobe -a --show-depends prints each module's lines in turn.
    let text = '';
    for (const module of modules) {
      const steps = probeList(database, module, loadConfig);
      assertModuleFilesExist(directory, database, steps);
      text += formatShowDepends(steps, directory);
    }
    await writeStdout(text);
    return;
  }
  const steps = resolveModules(database, modules, loadConfig);
  assertModuleFilesExist(directory, database, steps);
  if (flags.json) printJson(steps.map((step) => describeStep(step, directory)));
  else {
    const paths = steps.filter((step) => step.kind === 'insmod').map((step) => modulePath(directory, step.path));
    await writeStdout(paths.map((path) => `${path}\n`).join(''));
  }
}

function describeStep(step: LoadStep, directory: string): Record<string, string> {
  if (step.kind === 'builtin') return { kind: 'builtin', name: step.name };
  const described: Record<string, string> = { kind: 'insmod', name: step.name, path: modulePath(directory, step.path) };
  if (step.options !== undefined) described.options = step.options;
  if (step.install !== undefined) described.install = step.install;
  return described;
}
