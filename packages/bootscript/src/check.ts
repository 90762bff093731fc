/**
 * A boot-script linter, which U-Boot itself does not have: syntax errors and commands U-Boot would not
 * know, each with its line and column (`checkScript`), and what in a BootPlan breaks boots: loads that
 * overlap what is booted, a device tree overwritten, TFTP with no server (`planWarnings`).
 */
import type { Command, CommandList, Dialect, SimpleCommand } from './ast.js';
import { evaluate, parseScript } from './index.js';
import type { BootPlan, LoadRecord } from './plan.js';

export interface ScriptFinding {
  kind: 'syntax' | 'unknown-command';
  line: number;
  column: number;
  message: string;
}

export interface CheckScriptOptions {
  dialect?: Dialect;
}

/** Syntax errors (the first one: the parser stops there) and unknown commands, in script order. */
export function checkScript(text: string, options: CheckScriptOptions = {}): ScriptFinding[] {
  let script: ReturnType<typeof parseScript>;
  try {
    script = parseScript(text, { dialect: options.dialect });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'BOOTSCRIPT_SYNTAX') throw error;
    const message = (error as Error).message;
    const at = /line (\d+), column (\d+): ?/.exec(message);
    return [
      {
        kind: 'syntax',
        line: at ? Number(at[1]) : 1,
        column: at ? Number(at[2]) : 1,
        message: at ? message.slice(at.index + at[0].length) : message,
      },
    ];
  }
  const findings: ScriptFinding[] = [];
  const known = new Map<string, boolean>();
  for (const command of simpleCommands(script.body)) {
    const first = command.words[0];
    // A name made by expansion ($cmd) is only known when the script runs.
    if (!first || first.parts.some((part) => part.type !== 'text')) continue;
    const name = first.parts.map((part) => (part.type === 'text' ? part.value : '')).join('');
    if (name === '' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(name)) continue;
    let isKnown = known.get(name);
    if (isKnown === undefined) {
      isKnown = isKnownCommand(name);
      known.set(name, isKnown);
    }
    if (!isKnown) {
      findings.push({
        kind: 'unknown-command',
        line: first.line,
        column: first.column,
        message: `unknown command '${name}' (U-Boot fails it)`,
      });
    }
  }
  return findings;
}

/** Asks the evaluator, which knows U-Boot's commands and its unique-prefix rule, about one name. */
function isKnownCommand(name: string): boolean {
  const plan = evaluate(name, { defaultEnv: {} });
  return !plan.warnings.some((warning) => warning.endsWith(`${name}: unknown command (U-Boot fails it)`));
}

function* simpleCommands(list: CommandList): Generator<SimpleCommand> {
  for (const item of list.items) {
    yield* commandsIn(item.first);
    for (const { command } of item.rest) yield* commandsIn(command);
  }
}

function* commandsIn(command: Command): Generator<SimpleCommand> {
  if (command.type === 'command') yield command;
  else if (command.type === 'if') {
    for (const clause of command.clauses) {
      yield* simpleCommands(clause.condition);
      yield* simpleCommands(clause.body);
    }
    if (command.elseBody) yield* simpleCommands(command.elseBody);
  } else if (command.type === 'for') yield* simpleCommands(command.body);
  else {
    yield* simpleCommands(command.condition);
    yield* simpleCommands(command.body);
  }
}

const NETWORK_LOADS = new Set(['tftp', 'tftpboot', 'tftpb', 'nfs', 'pxe']);

interface Extent {
  load: LoadRecord;
  start: number;
  end: number;
}

function extentOf(load: LoadRecord): Extent | undefined {
  if (load.size === undefined) return undefined;
  const start = Number.parseInt(load.address, 16);
  return Number.isFinite(start) ? { load, start, end: start + load.size } : undefined;
}

const overlaps = (a: Extent, b: Extent) => a.start < b.end && b.start < a.end;

function describeLoad(load: LoadRecord): string {
  return `line ${load.line}: ${load.command} ${load.file ?? '(DHCP boot file)'} at ${load.address}`;
}

/**
 * What in the plan breaks boots, in words: two of the booted images (kernel, initrd, device tree)
 * overlapping, a later load overwriting one of them, a network load with no server. Overlaps need
 * the loads' sizes (give the evaluator a file resolver).
 */
export function planWarnings(plan: BootPlan): string[] {
  const warnings: string[] = [];
  // DHCP (dhcp, bootp) may hand U-Boot a server: after one, a missing serverip is not ours to judge.
  const firstDhcp = plan.commands.find((command) => command.name === 'dhcp' || command.name === 'bootp')?.line;
  for (const load of plan.loads) {
    const afterDhcp = firstDhcp !== undefined && firstDhcp <= load.line;
    if (NETWORK_LOADS.has(load.command) && load.file !== null && !load.server && !afterDhcp) {
      warnings.push(`${describeLoad(load)}: no serverip and no SERVER:FILE, U-Boot cannot reach a TFTP server`);
    }
  }
  if (!plan.boot) return warnings;
  const roles: [string, string | undefined][] = [
    ['kernel', plan.boot.kernel?.address],
    ['initrd', plan.boot.initrd?.address],
    ['device tree', plan.boot.fdt?.address],
  ];
  // The booted image of each role: the last load at its address.
  const booted: { role: string; extent: Extent; index: number }[] = [];
  for (const [role, address] of roles) {
    if (address === undefined) continue;
    let index = plan.loads.length - 1;
    while (index >= 0 && plan.loads[index]!.address !== address) index--;
    const extent = index >= 0 ? extentOf(plan.loads[index]!) : undefined;
    if (extent) booted.push({ role, extent, index });
  }
  for (let i = 0; i < booted.length; i++) {
    for (let j = i + 1; j < booted.length; j++) {
      const [a, b] = [booted[i]!, booted[j]!];
      if (a.extent.load !== b.extent.load && overlaps(a.extent, b.extent)) {
        warnings.push(
          `the ${a.role} (${describeLoad(a.extent.load)}) and the ${b.role} (${describeLoad(b.extent.load)}) overlap`,
        );
      }
    }
  }
  for (const image of booted) {
    for (const later of plan.loads.slice(image.index + 1)) {
      const extent = extentOf(later);
      if (extent && later.address !== image.extent.load.address && overlaps(extent, image.extent)) {
        warnings.push(
          `${describeLoad(later)} overwrites part of the ${image.role} (${describeLoad(image.extent.load)})`,
        );
      }
    }
  }
  return warnings;
}
