/**
 * The command line: `archkernel-load run|plan|status|confirm|reset` with --root, --config, --dry-run,
 * --json and --verbose. Exit codes: 0 done (or nothing to do), 1 failure or refusal, 2 usage error.
 */

import { existsSync, readFileSync } from 'node:fs';
import { isInitkitError } from '@initkit/core';
import { type Command, parseOptions } from './argv.js';
import { checkBootLoop, confirmBoot, EMPTY_STATE, readState, writeState } from './boot-loop.js';
import { readCacheRecord } from './cache.js';
import { inKexecKernel } from './cmdline.js';
import { type Config, DEFAULT_CONFIG_PATH, formatDefaultConfig, loadConfig } from './config.js';
import { readKernelFacts } from './facts.js';
import { formatPlan } from './format.js';
import { createLogger, type Logger } from './log.js';
import { KERNEL_FILES, type SystemPaths, systemPaths } from './paths.js';
import { readReleaseRecord, writeReleaseRecord } from './release-record.js';
import { decide, perform } from './run.js';
import { APP_NAME, APP_VERSION } from './version.js';

export const USAGE = `Usage: ${APP_NAME} <command> [options]

Boots the distribution's own kernel on a Scaleway C1 server: fetches the provider's boot script and
initrd over TFTP, adds the distribution kernel's network and NBD modules, wraps /init, and kexecs into
the distribution kernel through systemd. Later boots reuse the patched initrd from a cache.

Commands:
  run        do it (what archkernel-load.service runs at boot)
  plan       print what run would do (reads the metadata and fetches the boot script; changes nothing)
  status     configuration, cache, boot-loop state, guards and what run would do
  confirm    mark this boot good (archkernel-load-confirm.service runs it in the kexec'd kernel)
  reset      clear the boot-loop guard after it stopped kexec'ing
  prepare    read the distribution kernel's release from its image and record it with the image's
             SHA-256 (the pacman hook runs it when the kernel is installed: the next boot skips the read)
  default-config  print the default configuration file

Options:
  --dry-run        do everything but count the attempt, load the kernel and start kexec.target
  --json           print the plan (plan, status, run) as JSON on stdout
  --root DIR       resolve every system path (/proc, /sys, /run, /boot, /etc, /usr/lib/modules, /var)
                   under DIR (tests and the demo; default /)
  --config FILE    the configuration file (default ${DEFAULT_CONFIG_PATH} under --root)
  -v, --verbose    log the guards and debug lines
  -h, --help       this text
  --version        the version

Exit codes: 0 done or nothing to do (already kexec'd, kill switch), 1 failure or refusal, 2 usage error.
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Pause between metadata attempts (tests shorten it). */
  metadataRetryDelayMs?: number;
  journal?: boolean;
  tty?: boolean;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    io.stderr(`${APP_NAME}: ${(error as Error).message}\nTry '${APP_NAME} --help'.\n`);
    return 2;
  }
  const { values, command } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`${APP_NAME} ${APP_VERSION}\n`);
    return 0;
  }
  if (command === 'default-config') {
    io.stdout(formatDefaultConfig());
    return 0;
  }
  const log = createLogger({ write: io.stderr, verbose: values.verbose, journal: io.journal, tty: io.tty });
  const paths = systemPaths(values.root ?? io.env.ARCHKERNEL_ROOT ?? '/');
  try {
    const configPath = values.config ?? paths.at(DEFAULT_CONFIG_PATH);
    const { config } = loadConfig(configPath);
    return await dispatch(command, {
      paths,
      config,
      log,
      io,
      json: values.json ?? false,
      dryRun: values['dry-run'] ?? false,
      configPath,
    });
  } catch (error) {
    log.error(isInitkitError(error) ? `${error.message} [${error.code}]` : ((error as Error).stack ?? String(error)));
    return 1;
  }
}

interface Dispatch {
  paths: SystemPaths;
  config: Config;
  log: Logger;
  io: CliIo;
  json: boolean;
  dryRun: boolean;
  configPath: string;
}

async function dispatch(command: Command, d: Dispatch): Promise<number> {
  const { paths, config, log, io } = d;
  const context = { paths, config, log, dryRun: d.dryRun, metadataRetryDelayMs: io.metadataRetryDelayMs };
  switch (command) {
    case 'run': {
      const started = performance.now();
      log.info(`${APP_NAME} ${APP_VERSION}${d.dryRun ? ' (dry run)' : ''}`);
      const plan = await decide(context);
      if (plan.verdict.action === 'stop') {
        log.log(plan.verdict.level, plan.verdict.reason);
        if (d.json) io.stdout(`${JSON.stringify({ plan }, null, 2)}\n`);
        return plan.verdict.exitCode;
      }
      const result = await perform(context, plan);
      log.info(`done in ${(performance.now() - started).toFixed(0)} ms${d.dryRun ? ' (dry run: nothing loaded)' : ''}`);
      if (d.json) io.stdout(`${JSON.stringify({ plan: result.plan, kexec: result.kexec }, null, 2)}\n`);
      return result.exitCode;
    }
    case 'plan': {
      const plan = await decide({ ...context, dryRun: d.dryRun });
      io.stdout(d.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
      return plan.verdict.action === 'stop' ? plan.verdict.exitCode : 0;
    }
    case 'status': {
      const state = readState(paths.at(config.files.state));
      const record = readCacheRecord(paths.at(config.files.cache_record));
      const loop = checkBootLoop(state, config.kexec.max_unconfirmed);
      let plan: Awaited<ReturnType<typeof decide>> | undefined;
      let planError: string | undefined;
      try {
        plan = await decide({ ...context, log: createLogger({ write: () => {} }) });
      } catch (error) {
        planError = (error as Error).message;
      }
      const status = {
        config: d.configPath,
        state,
        bootLoop: loop,
        cache: record ?? null,
        plan: plan ?? null,
        planError: planError ?? null,
      };
      if (d.json) {
        io.stdout(`${JSON.stringify(status, null, 2)}\n`);
        return 0;
      }
      const lines = [
        `configuration: ${d.configPath}`,
        `boot-loop guard: ${loop.tripped ? 'TRIPPED: ' : ''}${loop.detail}`,
        `last attempt: ${state.lastAttempt ?? 'never'}${state.lastRelease ? ` (${state.lastRelease})` : ''}; last confirmed boot: ${state.lastConfirmed ?? 'never'}`,
        record
          ? `cache: ${config.files.initrd} built ${record.builtAt} for ${record.input.release} from ${record.providerInitrd.file} (${record.output.size} bytes)`
          : 'cache: empty',
      ];
      io.stdout(
        `${lines.join('\n')}\nwhat run would do:\n${plan ? formatPlan(plan).replace(/^/gm, '  ').trimEnd() : `  cannot tell: ${planError}`}\n`,
      );
      return 0;
    }
    case 'confirm': {
      const cmdline = readFileSync(paths.at(KERNEL_FILES.cmdline), 'utf8');
      if (!inKexecKernel(cmdline)) {
        log.notice('not the kexec\'d kernel ("archkernel" is not on /proc/cmdline): nothing to confirm');
        return 0;
      }
      const path = paths.at(config.files.state);
      const state = readState(path);
      if (d.dryRun) {
        log.info(`dry run: would mark this boot good (${state.unconfirmed} unconfirmed attempt(s) cleared)`);
        return 0;
      }
      await writeState(path, confirmBoot(state, new Date()));
      log.info(`boot confirmed: the kexec'd kernel came up (${state.unconfirmed} attempt(s) cleared)`);
      return 0;
    }
    case 'reset': {
      const path = paths.at(config.files.state);
      let state = EMPTY_STATE;
      try {
        state = { ...readState(path), unconfirmed: 0 };
      } catch {
        // A damaged state file is replaced.
      }
      if (d.dryRun) {
        log.info(`dry run: would clear the boot-loop guard in ${config.files.state}`);
        return 0;
      }
      await writeState(path, state);
      log.info(`boot-loop guard cleared: the next boot kexecs again`);
      return 0;
    }
    case 'prepare': {
      const path = paths.at(config.files.release_record);
      const kernel = readKernelFacts(paths, config, undefined, readReleaseRecord(path));
      if (kernel.releaseFrom === 'release-record') {
        log.info(
          `${config.kernel.image}: release ${kernel.release} already recorded in ${config.files.release_record}`,
        );
        return 0;
      }
      const modulesDep = `${config.kernel.modules_dir}/${kernel.release}/modules.dep`;
      if (!existsSync(paths.at(modulesDep))) log.notice(`${modulesDep} is missing: run depmod ${kernel.release}`);
      if (d.dryRun) {
        log.info(
          `dry run: would record release ${kernel.release} of ${config.kernel.image} in ${config.files.release_record}`,
        );
        return 0;
      }
      await writeReleaseRecord(path, {
        format: 1,
        image: config.kernel.image,
        size: kernel.size,
        sha256: kernel.sha256,
        release: kernel.release,
        readAt: new Date().toISOString(),
      });
      log.info(
        `${config.kernel.image}: release ${kernel.release} (read from the image) recorded in ${config.files.release_record}`,
      );
      return 0;
    }
    default:
      return 2;
  }
}
