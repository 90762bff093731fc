/**
 * Runs a boot script the way U-Boot 2023.01 runs it and returns a BootPlan. Semantics follow old hush:
 * a failed `&&` (or a successful `||`) skips the rest of its and-or list, not just the next command;
 * an `if` without a taken branch has the status of its last condition; `name=value` sets a hush
 * variable that printenv does not show; `$name` looks in the environment first; `exit` only returns a
 * status; a syntax error stops the script after the lines before it. The simple dialect runs U-Boot's
 * non-hush parser instead (commands split at `;`, macros expanded per command, stop at a failed line).
 * This file is the machine (the state commands see, `run` and `source`) and evaluate(); the named steps
 * live beside it: hush execution (hush-exec.ts), dispatch (dispatch.ts, over command-table.ts), the
 * simple dialect (simple-dialect.ts) and the plan assembly (plan-assembly.ts).
 */
import { InitkitError } from '@initkit/core';
import { formatAddress, hexToNumber } from './address.js';
import type { Dialect, Script } from './ast.js';
import { BUILTIN_COMMANDS } from './command-table.js';
import { DEFAULT_ENV, DEFAULT_LOAD_ADDRESS } from './defaults.js';
import { Dispatcher, StepLimitSignal } from './dispatch.js';
import { HushExecutor, type HushHost } from './hush-exec.js';
import { parseHush, parseHushPrefix } from './hush-parser.js';
import { decodeScriptText, isScriptImage, unwrapScriptImage } from './image.js';
import type { CommandHandler, FileInfo, FileResolver, Machine } from './machine.js';
import type { BootCommandPlan, BootPlan, LoadRecord } from './plan.js';
import { assemblePlan } from './plan-assembly.js';
import { runSimpleLine, runSimpleScript, simpleArguments } from './simple-dialect.js';
import { parseSimple } from './simple-parser.js';

export interface EvaluateOptions {
  /** Variables set before the script runs, over `defaultEnv`. */
  env?: Record<string, string>;
  /** The environment underneath `env` (and what `env default -a` restores); default DEFAULT_ENV. */
  defaultEnv?: Record<string, string>;
  /** hush variables that already exist (`showvar`). */
  locals?: Record<string, string>;
  /** File sizes or contents by name, or a resolver; loads of unknown files are assumed to work. */
  files?: Record<string, FileInfo> | FileResolver;
  /** Variables `dhcp` and `bootp` set (ipaddr, serverip, bootfile, ...). */
  network?: Record<string, string>;
  /** The network device U-Boot names in `ethact` when a network command first runs (virtio-net#31 in QEMU). */
  netDevice?: string;
  /** 'hush' (default) or 'simple' (U-Boot built without CONFIG_HUSH_PARSER). */
  dialect?: Dialect;
  /** U-Boot 2023.04 and later end the script at `exit`; 2023.01 (the default here) does not. */
  exitEndsScript?: boolean;
  /** CONFIG_SYS_LOAD_ADDR; default 0x40200000 (qemu_arm). */
  loadAddress?: number;
  /** Commands to run at most (loops); default 100000. Reaching it stops with a warning. */
  maxSteps?: number;
  /** PARTUUIDs by `interface dev:part` (`{ 'mmc 0:1': '3cd6d1fa-01' }`) for `part uuid`; others get a placeholder. */
  partitionUuids?: Record<string, string>;
  /** Extra or replacement command handlers by name. */
  commands?: Record<string, CommandHandler>;
}

class BootSignal {
  constructor(readonly plan: BootCommandPlan) {}
}

class ExitSignal {
  constructor(readonly status: number) {}
}

class Evaluator implements Machine, HushHost {
  readonly env = new Map<string, string>();
  readonly locals = new Map<string, string>();
  readonly defaultEnv: Readonly<Record<string, string>>;
  readonly defaultLoadAddress: number;
  readonly network: Readonly<Record<string, string>>;
  readonly netDevice: string | undefined;
  readonly loads: LoadRecord[] = [];
  imageLoadAddress: number;
  private console = '';
  private readonly warnings: string[] = [];
  private readonly dispatcher: Dispatcher;
  private readonly hush: HushExecutor;
  private readonly files: FileResolver;
  private readonly partitionUuids: Readonly<Record<string, string>>;
  private readonly dialect: Dialect;
  private readonly exitEndsScript: boolean;
  private sourceDepth = 0;
  private currentLine = 0;

  constructor(options: EvaluateOptions) {
    this.partitionUuids = options.partitionUuids ?? {};
    this.defaultEnv = options.defaultEnv ?? DEFAULT_ENV;
    for (const [name, value] of Object.entries({ ...this.defaultEnv, ...options.env })) this.env.set(name, value);
    for (const [name, value] of Object.entries(options.locals ?? {})) this.locals.set(name, value);
    this.defaultLoadAddress = options.loadAddress ?? DEFAULT_LOAD_ADDRESS;
    const loadaddr = this.env.get('loadaddr');
    this.imageLoadAddress = loadaddr === undefined ? this.defaultLoadAddress : hexToNumber(loadaddr);
    this.network = options.network ?? {};
    this.netDevice = options.netDevice;
    this.dispatcher = new Dispatcher({ ...BUILTIN_COMMANDS, ...options.commands }, options.maxSteps ?? 100_000);
    this.hush = new HushExecutor(this);
    const files = options.files;
    this.files =
      typeof files === 'function'
        ? files
        : (name) => (files === undefined ? undefined : Object.hasOwn(files, name) ? (files[name] as FileInfo) : null);
    this.dialect = options.dialect ?? 'hush';
    this.exitEndsScript = options.exitEndsScript ?? false;
  }

  write(text: string): void {
    this.console += text;
  }

  print(line: string): void {
    this.console += `${line}\n`;
  }

  warn(message: string): void {
    this.warnings.push(this.currentLine > 0 ? `line ${this.currentLine}: ${message}` : message);
  }

  enterLine(line: number): void {
    this.currentLine = line;
  }

  step(): void {
    this.dispatcher.step();
  }

  dispatch(args: string[], line: number): number {
    return this.dispatcher.dispatch(this, args, line);
  }

  partitionUuid(device: string): string | undefined {
    return Object.hasOwn(this.partitionUuids, device) ? this.partitionUuids[device] : undefined;
  }

  resolveFile(file: string, load: { command: string; device?: string }): FileInfo | null | undefined {
    return this.files(file, load);
  }

  fileAt(address: number): LoadRecord | undefined {
    const wanted = formatAddress(address);
    for (let i = this.loads.length - 1; i >= 0; i--) if (this.loads[i]?.address === wanted) return this.loads[i];
    return undefined;
  }

  boot(plan: BootCommandPlan): never {
    throw new BootSignal(plan);
  }

  exit(status: number): number {
    if (this.exitEndsScript) throw new ExitSignal(status);
    return status;
  }

  /** `run`: the whole text is one unit; a syntax error fails the run. */
  runText(text: string, line: number): number {
    if (text === '') return 0;
    if (this.dialect === 'simple') return this.runSimpleLine(text, line);
    let script: Script;
    try {
      script = parseHush(text);
    } catch (error) {
      if (!(error instanceof InitkitError)) throw error;
      this.print('syntax error');
      this.warn(`run: ${error.message}`);
      return 1;
    }
    try {
      return this.hush.runList(script.body) === 0 ? 0 : 1;
    } catch (signal) {
      if (signal instanceof ExitSignal) return signal.status === 0 ? 0 : 1;
      throw signal;
    }
  }

  /** `source` and the top level: line by line, stopping at a syntax error. */
  sourceText(text: string, _line: number): number {
    if (this.sourceDepth >= 16) {
      this.warn('source: nested more than 16 deep, not run');
      return 1;
    }
    this.sourceDepth++;
    try {
      if (this.dialect === 'simple') return this.runSimpleScript(parseSimple(text));
      const { script, error, endsWithEmptyLine } = parseHushPrefix(text);
      let status = 0;
      try {
        status = this.hush.runList(script.body);
      } catch (signal) {
        if (signal instanceof ExitSignal) return 0;
        throw signal;
      }
      if (error) {
        this.print('syntax error');
        this.warn(`${error.message}; U-Boot stops the script here`);
        return 1;
      }
      return status === 0 || endsWithEmptyLine ? 0 : 1;
    } finally {
      this.sourceDepth--;
    }
  }

  runScript(script: Script): number {
    this.sourceDepth++;
    try {
      if (script.dialect === 'simple') return this.runSimpleScript(script);
      return this.hush.runList(script.body) === 0 ? 0 : 1;
    } catch (signal) {
      if (signal instanceof ExitSignal) return 0;
      throw signal;
    } finally {
      this.sourceDepth--;
    }
  }

  private runSimpleScript(script: Script): number {
    return runSimpleScript(script, (raw, line) => this.runSimpleToken(raw, line));
  }

  /** `run` in the simple dialect: the text is one line (newlines stay inside arguments). */
  private runSimpleLine(text: string, line: number): number {
    return runSimpleLine(text, line, (raw, at) => this.runSimpleToken(raw, at));
  }

  private runSimpleToken(raw: string, line: number): number {
    this.currentLine = line;
    const args = simpleArguments(raw, (name) => this.env.get(name));
    if (args.length === 0) return 1;
    return this.hush.setStatus(this.dispatch(args, line));
  }

  finish(bootPlan: BootCommandPlan | null): BootPlan {
    return assemblePlan(
      {
        env: this.env,
        locals: this.locals,
        console: this.console,
        loads: this.loads,
        commands: this.dispatcher.commands,
        status: this.hush.lastStatus,
        warnings: this.warnings,
      },
      bootPlan,
    );
  }

  stepLimitWarning(): void {
    this.warn(`stopped after ${this.dispatcher.maxSteps} commands (an endless loop?)`);
  }
}

/**
 * Runs a script (text, a script image, or a parsed Script) and returns its BootPlan. Syntax errors do
 * not throw: U-Boot runs the lines before one, and so does the plan, with a warning.
 */
export function evaluate(input: string | Uint8Array | Script, options: EvaluateOptions = {}): BootPlan {
  const evaluator = new Evaluator(options);
  let bootPlan: BootCommandPlan | null = null;
  try {
    if (typeof input === 'string') evaluator.sourceText(input, 0);
    else if (input instanceof Uint8Array) {
      const text = isScriptImage(input) ? unwrapScriptImage(input).text : decodeScriptText(input);
      evaluator.sourceText(text, 0);
    } else evaluator.runScript(input);
  } catch (signal) {
    if (signal instanceof BootSignal) bootPlan = signal.plan;
    else if (signal instanceof StepLimitSignal) evaluator.stepLimitWarning();
    else throw signal;
  }
  return evaluator.finish(bootPlan);
}
