/**
 * The commands' engine: read the facts phase by phase into a plan (plan.ts decides), then perform the
 * plan's steps one by one, logging each. `plan` stops after deciding; `run` performs; `--dry-run`
 * performs everything except recording the attempt, loading and starting kexec.target.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@initkit/core/node';
import type { KexecPlan } from '@initkit/kexec';
import { readState, recordAttempt, writeState } from './boot-loop.js';
import { type CacheKeyInput, type CacheRecord, checkCache, keyChanges, writeCacheRecord } from './cache.js';
import { codeCompiled } from './code-cache-event.js';
import type { Config } from './config.js';
import { startUnit, systemdSocket } from './dbus.js';
import { appError } from './errors.js';
import {
  evaluateScript,
  fetchFile,
  type KernelFacts,
  readBootServer,
  readCache,
  readKernelFacts,
  readLocalFacts,
  readModuleFacts,
  spareForMember,
  tftpOptions,
} from './facts.js';
import { type KexecInput, type KexecSummary, loadKexec, planKexecLoad } from './kexec-step.js';
import { formatBytes, type Logger } from './log.js';
import { collectGarbage, collectingWhile, collectionEvery } from './memory.js';
import { readMetadata } from './metadata.js';
import { KERNEL_FILES, type SystemPaths } from './paths.js';
import { DRY_RUN_SKIPS, planKillSwitch, planLocal, planSteps, type RunPlan } from './plan.js';
import { APP_VERSION } from './version.js';

export interface Context {
  paths: SystemPaths;
  config: Config;
  log: Logger;
  dryRun: boolean;
  /** Pause between metadata attempts (tests shorten it). */
  metadataRetryDelayMs?: number;
}

export interface Decided {
  plan: RunPlan;
  /** The fetched boot script's bytes, kept for the build. */
  cacheRecord: CacheRecord | undefined;
}

const RELEASE_FROM: Record<KernelFacts['releaseFrom'], string> = {
  image: 'read from the image',
  cache: 'image unchanged since the last build',
  'release-record': 'recorded for this image when it was installed',
};

const ms = (started: number) => `${(performance.now() - started).toFixed(0)} ms`;

/** Reads the facts and decides; logs each phase. Fetches the boot script, nothing else. */
export async function decide(context: Context): Promise<RunPlan> {
  const { paths, config, log } = context;
  const local = readLocalFacts(paths, config);
  let plan = planLocal(local, config, { dryRun: context.dryRun });
  for (const guard of plan.guards) log.debug(`guard ${guard.name}: ${guard.ok ? 'ok' : 'FAILED'}: ${guard.detail}`);
  if (plan.verdict.action === 'stop') return plan;

  const metadata = config.metadata.url
    ? await readMetadata({
        url: config.metadata.url,
        timeoutMs: config.metadata.timeout_ms,
        retries: config.metadata.retries,
        retryDelayMs: context.metadataRetryDelayMs,
      })
    : undefined;
  plan = planKillSwitch(plan, metadata, config);
  const killSwitch = plan.guards.at(-1)!;
  log.log(killSwitch.ok ? 'info' : 'notice', `kill switch: ${killSwitch.detail}`);
  if (plan.verdict.action === 'stop') return plan;

  const bootServer = readBootServer(paths, config);
  log.info(`boot server: ${bootServer.address} (from ${bootServer.from})`);
  let started = performance.now();
  const scriptBytes = await fetchFile(
    tftpOptions(config, bootServer.address, config.boot_server.script),
    'the boot script',
  );
  const script = evaluateScript(scriptBytes, bootServer.address, config.boot_server.script);
  log.info(
    `boot script: ${script.file} (${script.size} bytes, "${script.name}", CRCs ok) fetched in ${ms(started)}; evaluated: ${script.bootCommand ?? 'no boot command'} kernel ${script.kernel ?? '-'}, initrd ${script.initrd ?? '-'}, dtb ${script.dtb ?? '-'}`,
  );
  if (script.bootargs) log.info(`boot script bootargs: ${script.bootargs}`);
  // The evaluator's warnings are about what it could not model (file sizes it was not told): debug.
  for (const warning of script.warnings) log.debug(`boot script: ${warning}`);
  if (!script.initrd) {
    throw appError(
      'ARCHKERNEL_NO_INITRD_IN_SCRIPT',
      `${script.file} from ${script.server} boots no initrd (${script.bootCommand ?? 'no boot command'})`,
    );
  }

  const record = readCache(paths, config);
  const kernel = readKernelFacts(paths, config, record);
  log.info(`distribution kernel: ${kernel.image} release ${kernel.release} (${RELEASE_FROM[kernel.releaseFrom]})`);
  const modules = readModuleFacts(paths, config, kernel.release);
  log.info(
    `modules: ${modules.closure.map((module) => module.name).join(', ')} (closure of ${[...modules.required, ...modules.optionalFound].join(', ')} from ${modules.directory}/modules.dep)`,
  );
  if (modules.optionalMissing.length)
    log.notice(`modules: ${modules.optionalMissing.join(', ')} not in this kernel, skipped (optional)`);
  if (modules.builtin.length) log.info(`modules built into ${kernel.release}: ${modules.builtin.join(', ')}`);

  const input: CacheKeyInput = {
    appVersion: APP_VERSION,
    scriptSha256: script.sha256,
    release: kernel.release,
    kernelSha256: kernel.sha256,
    modules: [...modules.required, ...modules.optionalFound, '--', ...modules.closure.map((module) => module.path)],
    modulesDepSha256: modules.modulesDepSha256,
    decompress: modules.decompress,
  };
  started = performance.now();
  const cache = checkCache(record, input, paths.at(config.files.initrd));
  log.info(`cache: ${cache.hit ? 'hit' : 'miss'}: ${cache.reason}`);
  plan = planSteps(
    plan,
    {
      bootServer,
      script,
      kernel,
      modules,
      cache: { ...cache, input, changes: keyChanges(record, input) },
      runningCmdline: local.cmdline,
      appVersion: APP_VERSION,
    },
    config,
  );
  return plan;
}

export interface RunResult {
  plan: RunPlan;
  kexec: KexecSummary | undefined;
  exitCode: number;
}

/** Bytes fetched between two full collections (a few ms each here, a few hundred under TCG). */
const FETCH_COLLECT_EVERY = 2 << 20;
/** External memory grown between two young-generation collections while the provider is walked... */
const BUILD_COLLECT_EVERY = 512 << 10;
/** ...looked at this often (each look is one call into V8; a collection of the young generation, ~1 ms). */
const BUILD_COLLECT_INTERVAL_MS = 2;

/** Performs the plan's steps. */
export async function perform(context: Context, plan: RunPlan): Promise<RunResult> {
  const { paths, config, log } = context;
  let provider: Uint8Array | undefined;
  // Loaded on a cache miss only: the cached boot never evaluates the initramfs, cpio and encoder code.
  let builder: typeof import('./initrd-build.js') | undefined;
  let written: { size: number; sha256: string; providerSize: number } | undefined;
  let built: Awaited<ReturnType<typeof import('./initrd-build.js').buildInitrd>> | undefined;
  // The patched initrd as written, kept for the kexec plan instead of reading the file back.
  let output: Uint8Array | undefined;
  let kexec: KexecSummary | undefined;
  let kexecPlan: KexecPlan | undefined;
  let kexecInput: KexecInput | undefined;
  for (const step of plan.steps) {
    if (context.dryRun && DRY_RUN_SKIPS.has(step.kind)) {
      log.info(`dry run: skipping ${step.kind}`);
      continue;
    }
    const started = performance.now();
    switch (step.kind) {
      case 'fetch-initrd': {
        const progress = log.progress(`fetching ${step.file}`);
        // Node hands each datagram over in a buffer of its own, and the ones that outlive a young
        // collection (queued while a window comes in) wait for a full one: collect them as the fetch goes,
        // or glibc keeps their pages (+20 MiB for a 10 MiB initrd at the end of the fetch, measured).
        const collect = collectionEvery(FETCH_COLLECT_EVERY, 'major');
        provider = await fetchFile(
          {
            ...tftpOptions(config, step.server, step.file),
            // Room after the file for the appended member, so the build adds it in place (initrd-build.ts).
            spareBytes: spareForMember(paths, plan.modules!),
            onProgress: ({ bytes, total }) => {
              progress(bytes, total);
              collect(bytes);
            },
          },
          'the provider initrd',
        );
        log.endProgress();
        collectGarbage();
        log.info(
          `provider initrd: ${step.file} (${formatBytes(provider.length)}) fetched from ${step.server} in ${ms(started)}`,
        );
        break;
      }
      case 'build-initrd': {
        builder ??= await import('./initrd-build.js');
        // The inflated pieces of the provider's archive are garbage once walked: collect them as it goes.
        built = await collectingWhile(
          () =>
            builder!.buildInitrd({
              provider: provider!,
              modules: plan.modules!,
              moduleRoot: paths.at(plan.modules!.directory),
            }),
          BUILD_COLLECT_EVERY,
          BUILD_COLLECT_INTERVAL_MS,
        );
        provider = undefined;
        const p = built.provider;
        log.info(
          `provider initrd: ${p.uImageName !== undefined ? `uImage "${p.uImageName}", data CRC ok, ` : ''}${p.compressions.join(' + ')} members, ${built.initrd.tree.list().length} entries`,
        );
        const added = built.plan.modules?.modules ?? [];
        log.info(
          `patched initrd: ${added.length} module(s) (${added.map((module) => `${module.name}${module.decompressed ? ' decompressed' : ''}`).join(', ')}), /init wrapped (original at ${step.wrapAs}, sourced)${built.addedInsmodLink ? `, /${built.addedInsmodLink} -> busybox added` : ''}; appended member ${formatBytes(built.memberLength)}${built.inPlace ? ' after the fetched bytes' : ' (copied: no room after the fetched bytes)'} in ${ms(started)}`,
        );
        break;
      }
      case 'write-initrd': {
        const path = paths.at(step.path);
        mkdirSync(dirname(path), { recursive: true });
        output = built!.bytes;
        const sha256 = createHash('sha256').update(output).digest('hex');
        await writeFileAtomic(path, output, { mode: 0o644, durable: true });
        const { plan: editPlan, memberLength } = built!;
        written = { size: output.length, sha256, providerSize: built!.provider.size };
        // Only the output is needed from here on (the kexec plan takes it): let the rest of the build go.
        built = undefined;
        const verified = builder!.verifyInitrd(path, { bytes: output, sha256, memberLength }, editPlan);
        collectGarbage();
        log.info(
          `wrote ${step.path} (${formatBytes(written.size)}, no uImage header) atomically; verified: read back equal to the written bytes (SHA-256), the appended member holds the ${verified.entries} planned entries`,
        );
        break;
      }
      case 'write-cache-record': {
        const record: CacheRecord = {
          format: 1,
          key: plan.cache!.key,
          input: plan.cache!.input,
          providerInitrd: { server: plan.script!.server, file: plan.script!.initrd!, size: written!.providerSize },
          output: { size: written!.size, sha256: written!.sha256 },
          builtAt: new Date().toISOString(),
        };
        await writeCacheRecord(paths.at(step.path), record);
        log.info(`cache record ${step.path} written (key ${record.key.slice(0, 12)})`);
        break;
      }
      case 'patch-exitrd': {
        const path = paths.at(step.path);
        await writeFileAtomic(path, new TextEncoder().encode(plan.exitrd!.patched!), { mode: 0o755 });
        chmodSync(path, 0o755);
        log.notice(`exitrd: ${step.path} did not run kexec -e: patched to jump for the kexec verb`);
        break;
      }
      case 'plan-kexec': {
        if (plan.exitrd?.jumps) log.info(`exitrd: ${plan.exitrd.detail}`);
        kexecInput = { kernel: step.kernel, initrd: step.initrd, dtb: step.dtb, cmdline: step.cmdline };
        // The initrd just written is still in memory: planned from there, not read back (10 MiB more).
        ({ plan: kexecPlan, summary: kexec } = await planKexecLoad(paths, kexecInput, output));
        output = undefined;
        log.info(
          `kexec plan: kernel ${step.kernel} (${formatBytes(kexec.kernel.size)}), initrd ${step.initrd} (${formatBytes(kexec.initrd.size)})${kexec.dtb ? `, dtb ${step.dtb} (${kexec.dtb.size} bytes)` : ''}`,
        );
        for (const line of kexec.text) log.info(`  ${line}`);
        break;
      }
      case 'record-attempt': {
        const path = paths.at(step.path);
        const state = recordAttempt(readState(path), plan.kernel!.release, new Date());
        await writeState(path, state);
        log.info(
          `boot-loop guard: attempt ${state.unconfirmed} of ${config.kexec.max_unconfirmed} recorded in ${step.path}`,
        );
        break;
      }
      case 'kexec-load': {
        await loadKexec(kexecPlan!, paths, kexecInput!);
        log.notice(`kexec: ${plan.kernel!.release} loaded`);
        break;
      }
      case 'start-kexec-target': {
        codeCompiled();
        const systemd = systemdSocket(paths.at(KERNEL_FILES.systemdPrivate), paths.at(KERNEL_FILES.systemBus));
        const job = await startUnit(systemd);
        log.notice(
          `systemd: kexec.target started (job ${job}); the system now stops and jumps into ${plan.kernel!.release}`,
        );
        break;
      }
    }
  }
  return { plan, kexec, exitCode: 0 };
}
