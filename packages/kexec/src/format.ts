/**
 * A plan as text (what `initkit kexec --dry-run` prints, laid out like `kexec -l --debug`'s summary) and
 * as JSON (addresses as numbers, plus hex strings for reading; the buffers left out).
 */
import type { KexecPlan } from './plan.js';

const hex = (value: number) => `0x${value.toString(16)}`;
const hex8 = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;

export function formatPlan(plan: KexecPlan): string {
  const lines = [`${plan.syscall} (${plan.arch}): ${plan.kernelKind}`];
  if (plan.entry !== undefined) lines.push(`entry = ${hex8(plan.entry)} flags = ${hex(plan.flags)}`);
  else lines.push(`flags = ${hex(plan.flags)}`);
  lines.push(`command line: ${plan.cmdline === '' ? '(none)' : JSON.stringify(plan.cmdline)}`);
  for (const [name, value] of Object.entries(plan.details)) {
    lines.push(`${name}: ${typeof value === 'number' ? hex(value) : value}`);
  }
  if (plan.segments.length > 0) {
    lines.push(`nr_segments = ${plan.segments.length}`);
    plan.segments.forEach((segment, index) => {
      lines.push(
        `segment[${index}] ${segment.source.padEnd(6)} mem ${hex8(segment.mem)} memsz ${hex(segment.memsz)} bufsz ${hex(segment.bufsz)}`,
      );
    });
  }
  if (plan.chosen) {
    const { bootargs, initrdStart, initrdEnd } = plan.chosen;
    if (bootargs !== undefined) lines.push(`/chosen/bootargs = ${JSON.stringify(bootargs)}`);
    if (initrdStart !== undefined) lines.push(`/chosen/linux,initrd-start = ${hex8(initrdStart)}`);
    if (initrdEnd !== undefined) lines.push(`/chosen/linux,initrd-end = ${hex8(initrdEnd)}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface KexecPlanJson {
  arch: KexecPlan['arch'];
  syscall: KexecPlan['syscall'];
  kernelKind: string;
  cmdline: string;
  entry: number | null;
  flags: number;
  segments: Array<{ source: string; offset: number; mem: number; memsz: number; bufsz: number; memHex: string }>;
  chosen: KexecPlan['chosen'] | null;
  details: KexecPlan['details'];
}

export function planToJson(plan: KexecPlan): KexecPlanJson {
  return {
    arch: plan.arch,
    syscall: plan.syscall,
    kernelKind: plan.kernelKind,
    cmdline: plan.cmdline,
    entry: plan.entry ?? null,
    flags: plan.flags,
    segments: plan.segments.map((segment) => ({ ...segment, memHex: hex8(segment.mem) })),
    chosen: plan.chosen ?? null,
    details: plan.details,
  };
}
