/**
 * `initkit bootscript plan`: run a script (image or text) against an environment and print the loads,
 * the boot command and bootargs, with warnings about what breaks boots (overlapping loads, a device
 * tree overwritten, TFTP with no server). File sizes come from numbers, files, or a TFTP root.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type BootPlan, type Dialect, evaluate, planWarnings } from '@initkit/bootscript';
import { withFileSync } from '../file-errors.js';
import { parseAssignments } from '../options.js';
import { printJson, writeStdout } from '../output.js';
import { UsageError } from '../usage-error.js';
import { readScriptText } from './bootscript-check.js';

export interface PlanFlags {
  env: string[];
  fileSize: string[];
  defaults: boolean;
  dialect: Dialect;
  json?: boolean;
}

/**
 * `--file-size` values: NAME=BYTES, NAME=FILE (that file's size), or DIR, a TFTP root where every
 * file the script loads is looked up by name. Later values win.
 */
export function fileSizes(specs: readonly string[]): ((name: string) => number | undefined) | undefined {
  if (specs.length === 0) return undefined;
  const sizes = new Map<string, number>();
  const roots: string[] = [];
  for (const spec of specs) {
    if (!spec.includes('=')) {
      const isDirectory = withFileSync(spec, 'the --file-size TFTP root', () => statSync(spec)).isDirectory();
      if (!isDirectory)
        throw new UsageError(`--file-size ${spec}: expected NAME=BYTES, NAME=FILE or a directory (a TFTP root)`);
      roots.unshift(spec);
      continue;
    }
    for (const [name, value] of Object.entries(parseAssignments([spec], '--file-size'))) {
      sizes.set(
        name,
        /^\d+$/.test(value)
          ? Number(value)
          : withFileSync(value, `the --file-size file for ${name}`, () => statSync(value)).size,
      );
    }
  }
  return (name) => {
    const size = sizes.get(name);
    if (size !== undefined) return size;
    for (const root of roots) {
      try {
        const info = statSync(join(root, name.replace(/^\/+/, '')));
        if (info.isFile()) return info.size;
      } catch {
        // Not under this root.
      }
    }
    return undefined;
  };
}

export async function planAction(file: string, flags: PlanFlags): Promise<void> {
  const text = await readScriptText(file);
  const files = fileSizes(flags.fileSize);
  const plan = evaluate(text, {
    env: parseAssignments(flags.env, '--env'),
    ...(flags.defaults ? {} : { defaultEnv: {} }),
    ...(files ? { files } : {}),
    dialect: flags.dialect,
  });
  plan.warnings.push(...planWarnings(plan));
  if (flags.json) printJson(plan);
  else await writeStdout(formatPlan(plan));
}

function formatPlan(plan: BootPlan): string {
  const lines: string[] = [];
  lines.push(`bootargs: ${plan.bootargs ?? '(unset)'}`);
  for (const load of plan.loads) {
    const where = load.server ? ` from ${load.server}` : load.device ? ` from ${load.device}` : '';
    const size = load.size === undefined ? '' : ` (${load.size} bytes)`;
    lines.push(`load: ${load.command} ${load.file ?? '(DHCP boot file)'}${where} -> ${load.address}${size}`);
  }
  if (plan.boot) {
    const ref = (r: { address: string; file: string | null; size?: string } | null) =>
      r === null ? '-' : `${r.address}${r.size ? `:${r.size}` : ''} (${r.file ?? 'nothing loaded there'})`;
    lines.push(`boot: ${plan.boot.command}`);
    lines.push(`  kernel: ${ref(plan.boot.kernel)}`);
    lines.push(`  initrd: ${ref(plan.boot.initrd)}`);
    lines.push(`  fdt:    ${ref(plan.boot.fdt)}`);
  } else {
    lines.push('boot: (the script boots nothing)');
  }
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
