/** The plan as text, for `plan` and `status` (the JSON form is the plan object itself). */
import { formatBytes } from './log.js';
import { DRY_RUN_SKIPS, type RunPlan, type Step } from './plan.js';

function stepText(step: Step): string {
  switch (step.kind) {
    case 'fetch-initrd':
      return `fetch ${step.file} from ${step.server} over TFTP (data CRC checked)`;
    case 'build-initrd':
      return `add ${step.modules.join(', ')}${step.decompress ? ' (decompressed)' : ''} and wrap /init (original sourced as ${step.wrapAs}), appending one gzip member`;
    case 'write-initrd':
      return `write ${step.path} atomically (no uImage header) and read it back`;
    case 'write-cache-record':
      return `write the cache record ${step.path}`;
    case 'patch-exitrd':
      return `patch ${step.path} to run kexec -e for the kexec verb`;
    case 'plan-kexec':
      return `plan the kexec segments: ${step.kernel}, ${step.initrd}, dtb ${step.dtb}`;
    case 'record-attempt':
      return `count the attempt in ${step.path} (boot-loop guard)`;
    case 'kexec-load':
      return 'load the kernel (kexec_load)';
    case 'start-kexec-target':
      return 'ask systemd over D-Bus: StartUnit kexec.target replace-irreversibly';
  }
}

export function formatPlan(plan: RunPlan): string {
  const lines: string[] = [];
  lines.push('guards:');
  for (const guard of plan.guards) lines.push(`  ${guard.ok ? 'ok ' : 'NO '} ${guard.name}: ${guard.detail}`);
  if (plan.bootServer) lines.push(`boot server: ${plan.bootServer.address} (from ${plan.bootServer.from})`);
  if (plan.script) {
    const s = plan.script;
    lines.push(`boot script: ${s.file} (${s.size} bytes, "${s.name}")`);
    lines.push(
      `  ${s.bootCommand ?? 'no boot command'}: kernel ${s.kernel ?? '-'}, initrd ${s.initrd ?? '-'}, dtb ${s.dtb ?? '-'}`,
    );
    if (s.bootargs) lines.push(`  bootargs: ${s.bootargs}`);
  }
  if (plan.kernel)
    lines.push(`kernel: ${plan.kernel.image} (${formatBytes(plan.kernel.size)}), release ${plan.kernel.release}`);
  if (plan.modules) {
    const m = plan.modules;
    lines.push(`modules: ${m.closure.map((module) => module.path).join(' ')}`);
    if (m.optionalMissing.length)
      lines.push(`  skipped (optional, not in ${m.release}): ${m.optionalMissing.join(', ')}`);
    lines.push(`  ${m.decompressReason}`);
  }
  if (plan.cache)
    lines.push(`cache: ${plan.cache.hit ? 'hit' : 'miss'} (${plan.cache.reason}), key ${plan.cache.key.slice(0, 16)}`);
  if (plan.cmdline) lines.push(`command line: ${plan.cmdline}`);
  if (plan.steps.length) {
    lines.push('steps:');
    plan.steps.forEach((step, index) => {
      const skipped = plan.dryRun && DRY_RUN_SKIPS.has(step.kind) ? ' (skipped: --dry-run)' : '';
      lines.push(`  ${index + 1}. ${stepText(step)}${skipped}`);
    });
  }
  const verdict = plan.verdict;
  lines.push(
    verdict.action === 'stop'
      ? `verdict: stop (exit ${verdict.exitCode}): ${verdict.reason}`
      : `verdict: ${verdict.action}`,
  );
  return `${lines.join('\n')}\n`;
}
