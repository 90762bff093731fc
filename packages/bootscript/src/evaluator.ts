/**
 * Runs a boot script the way U-Boot 2023.01 runs it and returns a BootPlan. Semantics follow old hush:
 * a failed `&&` (or a successful `||`) skips the rest of its and-or list, not just the next command;
 * an `if` without a taken branch has the status of its last condition; `name=value` sets a hush
 * variable that printenv does not show; `$name` looks in the environment first; `exit` only returns a
 * status; a syntax error stops the script after the lines before it. The simple dialect runs U-Boot's
 * non-hush parser instead (commands split at `;`, macros expanded per command, stop at a failed line).
 * This file is the machine and hush's execution and dispatch; the command table (command-table.ts), the
 * simple dialect (simple-dialect.ts), hush's word expansion (hush-expand.ts) and the plan assembly
 * (plan-assembly.ts) live beside it.
 */
import { InitkitError } from '@initkit/core';
import { formatAddress, hexToNumber } from './address.js';
import type { AndOrList, Command, CommandList, Dialect, Script, SimpleCommand } from './ast.js';
import { BUILTIN_COMMANDS, KNOWN_UBOOT_COMMANDS, resolveCommandName } from './command-table.js';
import { DEFAULT_ENV, DEFAULT_LOAD_ADDRESS } from './defaults.js';
import {
  type Argument,
  countVariables,
  insertVariableValues,
  isAssignment,
  makeReparseLine,
  reparseArguments,
  wordValue,
} from './hush-expand.js';
import { VARIABLE_MARK } from './hush-lexer.js';
import { parseHush, parseHushPrefix } from './hush-parser.js';
import { decodeScriptText, isScriptImage, unwrapScriptImage } from './image.js';
import type { CommandHandler, FileInfo, FileResolver, Machine } from './machine.js';
import type { BootCommandPlan, BootPlan, CommandRecord, LoadRecord } from './plan.js';
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

class StepLimitSignal {}

class Evaluator implements Machine {
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
  private readonly commands: CommandRecord[] = [];
  private readonly handlers: Record<string, CommandHandler>;
  private readonly files: FileResolver;
  private readonly partitionUuids: Readonly<Record<string, string>>;
  private readonly dialect: Dialect;
  private readonly exitEndsScript: boolean;
  private readonly maxSteps: number;
  private steps = 0;
  private lastStatus = 0;
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
    this.handlers = { ...BUILTIN_COMMANDS, ...options.commands };
    const files = options.files;
    this.files =
      typeof files === 'function'
        ? files
        : (name) => (files === undefined ? undefined : Object.hasOwn(files, name) ? (files[name] as FileInfo) : null);
    this.dialect = options.dialect ?? 'hush';
    this.exitEndsScript = options.exitEndsScript ?? false;
    this.maxSteps = options.maxSteps ?? 100_000;
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
      return this.runList(script.body) === 0 ? 0 : 1;
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
        status = this.runList(script.body);
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
      return this.runList(script.body) === 0 ? 0 : 1;
    } catch (signal) {
      if (signal instanceof ExitSignal) return 0;
      throw signal;
    } finally {
      this.sourceDepth--;
    }
  }

  private runList(list: CommandList): number {
    let status = 0;
    for (const item of list.items) status = this.runAndOr(item);
    return status;
  }

  private runAndOr(item: AndOrList): number {
    let status = this.runCommand(item.first);
    for (const { operator, command } of item.rest) {
      // Old hush: once a command decides the list, every later command of the list is skipped.
      if ((status === 0 && operator === '||') || (status !== 0 && operator === '&&')) break;
      status = this.runCommand(command);
    }
    return status;
  }

  private runCommand(command: Command): number {
    switch (command.type) {
      case 'command':
        return this.runSimpleCommand(command);
      case 'if': {
        let status = 0;
        for (const clause of command.clauses) {
          status = clause.condition.items.length === 0 ? 0 : this.runList(clause.condition);
          if (status === 0) return clause.body.items.length === 0 ? status : this.runList(clause.body);
        }
        if (command.elseBody && command.elseBody.items.length > 0) return this.runList(command.elseBody);
        return status;
      }
      case 'for': {
        const items: string[] = [];
        for (const word of command.items) {
          const value = insertVariableValues(wordValue(word), (content) => this.lookupParameter(content));
          items.push(...value.split(' ').filter((item) => item.length > 0));
        }
        let status = 0;
        for (const item of items) {
          this.step();
          this.setLocal(`${command.variable}=${item}`);
          status = this.runList(command.body);
        }
        return status;
      }
      case 'while':
      case 'until': {
        for (;;) {
          this.step();
          const condition = this.runList(command.condition);
          if (command.type === 'while' ? condition !== 0 : condition === 0) return condition;
          this.runList(command.body);
        }
      }
    }
  }

  private step(): void {
    this.steps++;
    if (this.steps > this.maxSteps) throw new StepLimitSignal();
  }

  /** hush's lookup_param(): environment first, then hush variables; `:-`, `:=` and (inverted) `:+`. */
  private lookupParameter(content: string): string | undefined {
    if (content === '$?') return String(this.lastStatus);
    const colon = content.indexOf(':');
    const name = colon < 0 ? content : content.slice(0, colon);
    const op = colon < 0 ? undefined : content[colon + 1];
    const operand = colon < 0 ? undefined : content.slice(colon + 2);
    const value = this.env.get(name) ?? this.locals.get(name);
    if (value === undefined || value === '') {
      if (op === '=' && operand !== undefined) this.setLocal(`${name}=${operand}`);
      return op === '-' || op === '=' || op === '+' ? operand : undefined;
    }
    // Old hush returns the empty string for ${name:+word} when name is set: the opposite of POSIX.
    return op === '+' ? '' : value;
  }

  /** hush's set_local_var(): needs a letter first and a non-empty value; HUSH_VERSION is read-only. */
  private setLocal(assignment: string): void {
    if (!/^[A-Za-z]/.test(assignment)) return;
    const equals = assignment.indexOf('=');
    if (equals < 0 || equals === assignment.length - 1) return;
    const name = assignment.slice(0, equals);
    if (name === 'HUSH_VERSION') {
      this.print(`${name}: readonly variable`);
      return;
    }
    this.locals.set(name, assignment.slice(equals + 1));
  }

  private runSimpleCommand(command: SimpleCommand): number {
    this.currentLine = command.line;
    const words: Argument[] = command.words.map((word) => ({ value: wordValue(word), quoted: word.quoted }));
    const lookup = (content: string): string | undefined => this.lookupParameter(content);
    let assignments = 0;
    while (assignments < words.length && isAssignment(words[assignments]?.value as string)) assignments++;
    if (assignments > 0 && assignments === words.length) {
      for (const word of words) this.setLocal(insertVariableValues(word.value, lookup));
      return this.setStatus(0);
    }
    let variables = command.words.reduce((sum, word) => sum + countVariables(word), 0);
    for (const word of words.slice(0, assignments)) {
      this.setLocal(insertVariableValues(word.value, lookup));
      if (word.value.includes(VARIABLE_MARK)) variables--;
    }
    const rest = words.slice(assignments);
    if (variables === 0)
      return this.setStatus(
        this.dispatch(
          rest.map((w) => w.value),
          command.line,
        ),
      );

    const noEval = this.lookupParameter('HUSH_NO_EVAL');
    const tag = noEval !== undefined && noEval !== '' && !noEval.startsWith('0');
    let args: Argument[];
    try {
      args = reparseArguments(makeReparseLine(rest, lookup, tag), this.env.get('IFS'));
    } catch (error) {
      if (!(error instanceof InitkitError)) throw error;
      this.print('syntax error');
      this.warn(`after expanding variables: ${error.message}`);
      return this.lastStatus;
    }
    let index = 0;
    while (index < args.length && isAssignment(args[index]?.value as string)) index++;
    if (index > 0 && index === args.length) {
      for (const arg of args) this.setLocal(arg.value);
      return this.setStatus(0);
    }
    for (const arg of args.slice(0, index)) this.setLocal(arg.value);
    if (index === args.length) return this.lastStatus;
    return this.setStatus(
      this.dispatch(
        args.slice(index).map((a) => a.value),
        command.line,
      ),
    );
  }

  private setStatus(status: number): number {
    this.lastStatus = status === 0 ? 0 : 1;
    return status;
  }

  /** cmd_process(): find the command (exact name, else a unique prefix, as U-Boot) and run it. */
  private dispatch(args: string[], line: number): number {
    this.step();
    const typed = args[0] as string;
    if (typed.includes(';')) {
      this.print(`Unknown command '${typed}' - try 'help' or use 'run' command`);
      this.commands.push({ name: typed, args: args.slice(1), line, status: 1, modelled: false });
      return 1;
    }
    const name = resolveCommandName(this.handlers, typed);
    const handler = name === undefined ? undefined : this.handlers[name];
    if (handler && name !== undefined) {
      const record: CommandRecord = { name, args: args.slice(1), line, status: 0, modelled: true };
      this.commands.push(record);
      const status = handler({ name, args, line, machine: this });
      record.status = status;
      return status;
    }
    if (KNOWN_UBOOT_COMMANDS.has(typed)) {
      this.warn(`${typed}: not modelled, assumed to succeed`);
      this.commands.push({ name: typed, args: args.slice(1), line, status: 0, modelled: false });
      return 0;
    }
    this.print(`Unknown command '${typed}' - try 'help'`);
    this.warn(`${typed}: unknown command (U-Boot fails it)`);
    this.commands.push({ name: typed, args: args.slice(1), line, status: 1, modelled: false });
    return 1;
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
    return this.setStatus(this.dispatch(args, line));
  }

  finish(bootPlan: BootCommandPlan | null): BootPlan {
    return assemblePlan(
      {
        env: this.env,
        locals: this.locals,
        console: this.console,
        loads: this.loads,
        commands: this.commands,
        status: this.lastStatus,
        warnings: this.warnings,
      },
      bootPlan,
    );
  }

  stepLimitWarning(): void {
    this.warn(`stopped after ${this.maxSteps} commands (an endless loop?)`);
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
