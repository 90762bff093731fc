/**
 * The plan: what `run` will do, decided by a pure function from the facts read so far, as plain data
 * that `plan` prints as text or JSON and `run` performs step by step. A guard that fails stops the plan
 * before anything is fetched or written.
 */

import { checkBootLoop } from './boot-loop.js';
import type { BootServerChoice } from './boot-server.js';
import { type CacheCheck, type CacheKeyInput, cacheKey } from './cache.js';
import { inKexecKernel, kexecCmdline } from './cmdline.js';
import type { Config } from './config.js';
import { checkExitrd, type ExitrdCheck } from './exitrd.js';
import type { KernelFacts, LocalFacts, ModuleFacts, ScriptFacts } from './facts.js';
import type { MetadataResult } from './metadata.js';
import { KERNEL_FILES } from './paths.js';

export type GuardName = 'not-in-kexec' | 'kexec-possible' | 'root' | 'exitrd' | 'boot-loop' | 'kill-switch';

export interface Guard {
  name: GuardName;
  ok: boolean;
  detail: string;
}

export type Verdict =
  | { action: 'kexec' }
  | { action: 'stop'; exitCode: 0 | 1; level: 'notice' | 'error'; reason: string }
  /** Not decided yet: facts still to read (the next phase). */
  | { action: 'continue' };

export type Step =
  | { kind: 'fetch-initrd'; server: string; file: string }
  | { kind: 'build-initrd'; modules: string[]; wrapAs: string; decompress: boolean }
  | { kind: 'write-initrd'; path: string }
  | { kind: 'write-cache-record'; path: string }
  | { kind: 'patch-exitrd'; path: string }
  | { kind: 'plan-kexec'; kernel: string; initrd: string; dtb: string; cmdline: string }
  | { kind: 'record-attempt'; path: string }
  | { kind: 'kexec-load' }
  | { kind: 'start-kexec-target' };

/** Steps a dry run does not perform. */
export const DRY_RUN_SKIPS: ReadonlySet<Step['kind']> = new Set(['record-attempt', 'kexec-load', 'start-kexec-target']);

export interface RunPlan {
  dryRun: boolean;
  guards: Guard[];
  verdict: Verdict;
  metadata?: MetadataResult;
  bootServer?: BootServerChoice;
  script?: ScriptFacts;
  kernel?: KernelFacts;
  modules?: ModuleFacts;
  cache?: CacheCheck & { key: string; input: CacheKeyInput; changes: string[] };
  exitrd?: ExitrdCheck;
  cmdline?: string;
  steps: Step[];
}

/** The original /init is kept here and sourced by the wrapper (an absolute path: busybox sh does not search "."). */
export const ORIGINAL_INIT = 'init.scw';

function stop(plan: RunPlan, exitCode: 0 | 1, level: 'notice' | 'error', reason: string): RunPlan {
  return { ...plan, verdict: { action: 'stop', exitCode, level, reason } };
}

/** Phase 1: the guards that need no network. */
export function planLocal(facts: LocalFacts, config: Config, options: { dryRun: boolean }): RunPlan {
  const plan: RunPlan = { dryRun: options.dryRun, guards: [], verdict: { action: 'continue' }, steps: [] };
  const guard = (name: GuardName, ok: boolean, detail: string) => plan.guards.push({ name, ok, detail });

  const inKexec = inKexecKernel(facts.cmdline);
  guard(
    'not-in-kexec',
    !inKexec,
    inKexec
      ? '"archkernel" is on /proc/cmdline: this kernel was kexec\'d by archkernel-load'
      : 'the provider kernel is running',
  );
  if (inKexec) return stop(plan, 0, 'notice', "already running the kexec'd kernel: nothing to do");

  const disabled = facts.kexecLoadDisabled;
  const possible = disabled === '0';
  guard(
    'kexec-possible',
    possible,
    disabled === undefined
      ? `${KERNEL_FILES.kexecLoadDisabled} is missing: the kernel has no kexec support`
      : `kexec_load_disabled = ${disabled}`,
  );
  if (!possible) {
    return stop(
      plan,
      1,
      'error',
      disabled === undefined
        ? 'the running kernel cannot kexec'
        : 'kexec_load_disabled is 1: kexec is switched off until the next boot',
    );
  }

  const root = facts.uid === 0;
  guard(
    'root',
    root || options.dryRun,
    root
      ? 'running as root'
      : `running as uid ${facts.uid}${options.dryRun ? ' (enough for --dry-run, which loads nothing)' : ''}`,
  );
  if (!root && !options.dryRun) return stop(plan, 1, 'error', 'loading a kernel needs root (CAP_SYS_BOOT)');

  const exitrd = checkExitrd(facts.exitrd);
  plan.exitrd = exitrd;
  const exitrdOk = exitrd.present && exitrd.kexecBinary !== undefined;
  guard('exitrd', exitrdOk, exitrd.detail + (exitrd.present && !exitrd.jumps ? ' (it will be patched)' : ''));
  if (!exitrdOk) return stop(plan, 1, 'error', `the shutdown exitrd cannot jump: ${exitrd.detail}`);

  const loop = checkBootLoop(facts.state, config.kexec.max_unconfirmed);
  guard('boot-loop', !loop.tripped, loop.detail);
  if (loop.tripped) return stop(plan, 1, 'error', `boot-loop guard: ${loop.detail}`);
  return plan;
}

/** Phase 2: the kill switch, from the metadata. */
export function planKillSwitch(plan: RunPlan, metadata: MetadataResult | undefined, config: Config): RunPlan {
  const next: RunPlan = { ...plan, guards: [...plan.guards], metadata };
  const tag = config.metadata.kill_switch_tag;
  if (!metadata) {
    next.guards.push({ name: 'kill-switch', ok: true, detail: 'no metadata url configured: no kill switch' });
    return next;
  }
  if (metadata.tags === undefined) {
    const refuse = config.metadata.when_unreachable === 'refuse';
    const detail = `metadata unreachable after ${metadata.attempts} attempt(s) (${metadata.error}); metadata.when_unreachable = "${config.metadata.when_unreachable}"`;
    next.guards.push({ name: 'kill-switch', ok: !refuse, detail });
    return refuse ? stop(next, 1, 'error', detail) : next;
  }
  const found = metadata.tags.includes(tag);
  next.guards.push({
    name: 'kill-switch',
    ok: !found,
    detail: found
      ? `the server has the tag "${tag}" (${metadata.format} metadata)`
      : `no "${tag}" tag among ${metadata.tags.length} tag(s) (${metadata.format} metadata)`,
  });
  return found
    ? stop(next, 0, 'notice', `kill switch: the server is tagged "${tag}"; the provider kernel keeps running`)
    : next;
}

export interface BuildFacts {
  bootServer: BootServerChoice;
  script: ScriptFacts;
  kernel: KernelFacts;
  modules: ModuleFacts;
  cache: CacheCheck & { input: CacheKeyInput; changes: string[] };
  runningCmdline: string;
  appVersion: string;
}

/** Phase 3: the cache decision and the steps. */
export function planSteps(plan: RunPlan, facts: BuildFacts, config: Config): RunPlan {
  const { script, kernel, modules, cache } = facts;
  const next: RunPlan = {
    ...plan,
    bootServer: facts.bootServer,
    script,
    kernel,
    modules,
    cache: { ...cache, key: cacheKey(cache.input) },
  };
  const steps: Step[] = [];
  if (!cache.hit) {
    steps.push({ kind: 'fetch-initrd', server: script.server, file: script.initrd! });
    steps.push({
      kind: 'build-initrd',
      modules: modules.closure.map((module) => module.name),
      wrapAs: `/${ORIGINAL_INIT}`,
      decompress: modules.decompress,
    });
    steps.push({ kind: 'write-initrd', path: config.files.initrd });
    steps.push({ kind: 'write-cache-record', path: config.files.cache_record });
  }
  if (plan.exitrd && !plan.exitrd.jumps) steps.push({ kind: 'patch-exitrd', path: `${KERNEL_FILES.exitrd}/shutdown` });
  const cmdline = kexecCmdline(facts.runningCmdline, config.kexec.cmdline_append);
  next.cmdline = cmdline;
  steps.push({
    kind: 'plan-kexec',
    kernel: config.kernel.image,
    initrd: config.files.initrd,
    dtb: config.kexec.dtb || KERNEL_FILES.firmwareFdt,
    cmdline,
  });
  // Counted once the kernel is loaded, just before the jump: a failed load is not an attempt.
  steps.push({ kind: 'kexec-load' });
  steps.push({ kind: 'record-attempt', path: config.files.state });
  steps.push({ kind: 'start-kexec-target' });
  next.steps = steps;
  next.verdict = { action: 'kexec' };
  return next;
}
