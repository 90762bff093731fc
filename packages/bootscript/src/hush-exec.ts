/**
 * hush's execution for the evaluator, as old hush in U-Boot 2023.01 runs a parsed script: and-or lists
 * (a failed `&&` skips the rest of the list), if/for/while/until, hush variables (`name=value`,
 * set_local_var's rules), parameter lookup (environment first), and the re-parse of a command line
 * after variables are expanded. Commands go to the host's dispatch.
 */
import { InitkitError } from '@initkit/core';
import type { AndOrList, Command, CommandList, SimpleCommand } from './ast.js';
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

/** What hush execution needs from the machine it runs on. */
export interface HushHost {
  readonly env: Map<string, string>;
  readonly locals: Map<string, string>;
  print(line: string): void;
  warn(message: string): void;
  /** Counts a loop turn against the step limit. */
  step(): void;
  /** Marks the script line being run (for warnings). */
  enterLine(line: number): void;
  /** Runs one command's argv and returns its status. */
  dispatch(args: string[], line: number): number;
}

export class HushExecutor {
  /** `$?`: 0 or 1, as hush keeps it. */
  lastStatus = 0;

  constructor(private readonly host: HushHost) {}

  runList(list: CommandList): number {
    let status = 0;
    for (const item of list.items) status = this.runAndOr(item);
    return status;
  }

  /** Records a command's status as `$?` and returns it unchanged. */
  setStatus(status: number): number {
    this.lastStatus = status === 0 ? 0 : 1;
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
          this.host.step();
          this.setLocal(`${command.variable}=${item}`);
          status = this.runList(command.body);
        }
        return status;
      }
      case 'while':
      case 'until': {
        for (;;) {
          this.host.step();
          const condition = this.runList(command.condition);
          if (command.type === 'while' ? condition !== 0 : condition === 0) return condition;
          this.runList(command.body);
        }
      }
    }
  }

  /** hush's lookup_param(): environment first, then hush variables; `:-`, `:=` and (inverted) `:+`. */
  private lookupParameter(content: string): string | undefined {
    if (content === '$?') return String(this.lastStatus);
    const colon = content.indexOf(':');
    const name = colon < 0 ? content : content.slice(0, colon);
    const op = colon < 0 ? undefined : content[colon + 1];
    const operand = colon < 0 ? undefined : content.slice(colon + 2);
    const value = this.host.env.get(name) ?? this.host.locals.get(name);
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
      this.host.print(`${name}: readonly variable`);
      return;
    }
    this.host.locals.set(name, assignment.slice(equals + 1));
  }

  /** Leading assignments, then the command: as written when no variable is used, else re-parsed. */
  private runSimpleCommand(command: SimpleCommand): number {
    this.host.enterLine(command.line);
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
    if (variables === 0) {
      const argv = rest.map((word) => word.value);
      return this.setStatus(this.host.dispatch(argv, command.line));
    }
    return this.runExpanded(rest, lookup, command.line);
  }

  /** hush re-parses a line whose words used variables: the expanded text is split into words again. */
  private runExpanded(rest: Argument[], lookup: (content: string) => string | undefined, line: number): number {
    const noEval = this.lookupParameter('HUSH_NO_EVAL');
    const tag = noEval !== undefined && noEval !== '' && !noEval.startsWith('0');
    let args: Argument[];
    try {
      args = reparseArguments(makeReparseLine(rest, lookup, tag), this.host.env.get('IFS'));
    } catch (error) {
      if (!(error instanceof InitkitError)) throw error;
      this.host.print('syntax error');
      this.host.warn(`after expanding variables: ${error.message}`);
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
    const argv = args.slice(index).map((arg) => arg.value);
    return this.setStatus(this.host.dispatch(argv, line));
  }
}
