/**
 * Environment and shell commands: setenv, env (set/delete/exists/default/print), printenv, showvar,
 * run, echo, test, true, false, exit, setexpr (arithmetic). Each follows the U-Boot 2023.01 source:
 * `setenv name` deletes, `setenv name a b` stores "a b", `test` with fewer than two arguments fails.
 */
import { decimalToNumber, formatEnvHex, hexToNumber, parseCNumber } from './address.js';
import type { CommandContext, CommandHandler, Machine } from './machine.js';
import { regexSubstitute } from './setexpr-regex.js';

function setEnvironment(machine: Machine, args: string[]): number {
  let index = 1;
  while (index < args.length && args[index]?.startsWith('-')) {
    if (!/^-f+$/.test(args[index] as string)) return 1;
    index++;
  }
  const name = args[index];
  if (name === undefined) return 1;
  if (name.includes('=')) {
    machine.print(`## Error: illegal character '='in variable name "${name}"`);
    return 1;
  }
  const values = args.slice(index + 1);
  if (values.length === 0) {
    machine.env.delete(name);
    return 0;
  }
  machine.env.set(name, values.join(' '));
  return 0;
}

function printEnvironment(machine: Machine, names: string[]): number {
  if (names.length === 0) {
    for (const name of [...machine.env.keys()].sort()) machine.print(`${name}=${machine.env.get(name)}`);
    return 0;
  }
  let failures = 0;
  for (const name of names) {
    const value = machine.env.get(name);
    if (value === undefined) {
      machine.print(`## Error: "${name}" not defined`);
      failures++;
    } else {
      machine.print(`${name}=${value}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

const setenv: CommandHandler = ({ machine, args }) => setEnvironment(machine, args);

const printenv: CommandHandler = ({ machine, args }) => printEnvironment(machine, args.slice(1));

const env: CommandHandler = ({ machine, args }) => {
  const sub = args[1];
  const rest = args.slice(1);
  switch (sub) {
    case 'set':
      return setEnvironment(machine, rest);
    case 'print':
      return printEnvironment(
        machine,
        rest.slice(1).filter((a) => !a.startsWith('-')),
      );
    case 'delete':
      for (const name of rest.slice(1).filter((a) => !a.startsWith('-'))) machine.env.delete(name);
      return 0;
    case 'import':
      return importEnvironment(machine, rest.slice(1));
    case 'exists':
      return rest[1] !== undefined && machine.env.has(rest[1]) ? 0 : 1;
    case 'default':
      if (rest.includes('-a')) {
        machine.env.clear();
        for (const [name, value] of Object.entries(machine.defaultEnv)) machine.env.set(name, value);
        machine.print('## Resetting to default environment');
        return 0;
      }
      for (const name of rest.slice(1).filter((a) => !a.startsWith('-'))) {
        const value = machine.defaultEnv[name];
        if (value === undefined) machine.env.delete(name);
        else machine.env.set(name, value);
      }
      return 0;
    default:
      machine.warn(`env ${sub ?? ''}: subcommand not modelled, assumed to succeed`);
      return 0;
  }
};

/**
 * `env import [-d] -t [-r] addr [size] [var...]` (the armbianEnv.txt pattern): `name=value` lines of the
 * text loaded at addr, as himport_r reads them: `#` lines skipped, `name` or `name=` deletes, `-r` drops
 * the CR of CRLF, `-d` clears the environment first, listed vars only (listed but absent: deleted). The
 * text ends at `size` bytes (hex) or at the first NUL. Only `-t` is modelled.
 */
function importEnvironment(machine: Machine, args: string[]): number {
  // Options come first; a lone `-` is an operand (no size).
  const firstOperand = args.findIndex((argument) => !argument.startsWith('-') || argument === '-');
  const flags = args.slice(0, firstOperand < 0 ? args.length : firstOperand).join('');
  const operands = firstOperand < 0 ? [] : args.slice(firstOperand);
  if (!flags.includes('t')) {
    machine.warn(`env import ${args.join(' ')}: only the text format (-t) is modelled, assumed to succeed`);
    return 0;
  }
  if (operands[0] === undefined) return 1;
  const address = hexToNumber(operands[0]);
  const size = operands[1] === undefined || operands[1] === '-' ? undefined : hexToNumber(operands[1]);
  const wanted = operands.slice(2);
  const load = machine.fileAt(address);
  const found =
    load?.file == null
      ? undefined
      : machine.resolveFile(load.file, { command: load.command, ...(load.device ? { device: load.device } : {}) });
  if (!(found instanceof Uint8Array)) {
    machine.warn(
      `env import: the text at ${formatEnvHex(address)} is not known (its bytes were not given), nothing imported`,
    );
    return 0;
  }
  let bytes = size === undefined ? found : found.subarray(0, size);
  const nul = bytes.indexOf(0);
  if (nul >= 0) bytes = bytes.subarray(0, nul);
  let text = new TextDecoder('latin1').decode(bytes);
  if (flags.includes('r')) text = text.replaceAll('\r\n', '\n');
  if (flags.includes('d')) machine.env.clear();
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    const name = equals < 0 ? line : line.slice(0, equals);
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    seen.add(name);
    const value = equals < 0 ? '' : line.slice(equals + 1);
    if (value === '') machine.env.delete(name);
    else machine.env.set(name, value);
  }
  for (const name of wanted) if (!seen.has(name)) machine.env.delete(name);
  return 0;
}

const showvar: CommandHandler = ({ machine, args }) => {
  const names = args.slice(1);
  const all = [['HUSH_VERSION', '0.01'] as const, ...machine.locals.entries()];
  let failures = 0;
  for (const [name, value] of all) if (names.length === 0 || names.includes(name)) machine.print(`${name}=${value}`);
  for (const name of names) {
    if (name !== 'HUSH_VERSION' && !machine.locals.has(name)) {
      machine.print(`## Error: "${name}" not defined`);
      failures++;
    }
  }
  return failures === 0 ? 0 : 1;
};

const run: CommandHandler = ({ machine, args, line }) => {
  if (args.length < 2) return 1;
  for (const name of args.slice(1)) {
    const text = machine.env.get(name);
    if (text === undefined) {
      machine.print(`## Error: "${name}" not defined`);
      return 1;
    }
    if (machine.runText(text, line) !== 0) return 1;
  }
  return 0;
};

const echo: CommandHandler = ({ machine, args }) => {
  const noNewline = args[1] === '-n';
  const text = args.slice(noNewline ? 2 : 1).join(' ');
  machine.write(noNewline ? text : `${text}\n`);
  return 0;
};

/**
 * `test -e <interface> <dev[:part]> <path>`, answered from the files the plan knows about (a directory,
 * a list, a TFTP root). Unknown stays false, as U-Boot without that device answers, with a warning.
 */
function fileExists(machine: Machine, iface: string, device: string, path: string): boolean {
  const found = machine.resolveFile(path, { command: 'test -e', device: `${iface} ${device}` });
  if (found === undefined) {
    machine.warn(`test -e ${iface} ${device} ${path}: unknown file, answered false`);
    return false;
  }
  return found !== null;
}

/** cmd/test.c: left-to-right, `!` toggles, `-a`/`-o` combine with the previous result. */
const test: CommandHandler = ({ machine, args }) => {
  if (args.length < 3) return 1;
  const operators: { at: number; text: string; op: string; advance: number }[] = [
    { at: 1, text: '=', op: '=', advance: 3 },
    { at: 1, text: '!=', op: '!=', advance: 3 },
    { at: 1, text: '<', op: '<', advance: 3 },
    { at: 1, text: '>', op: '>', advance: 3 },
    { at: 1, text: '-eq', op: '-eq', advance: 3 },
    { at: 1, text: '-ne', op: '-ne', advance: 3 },
    { at: 1, text: '-lt', op: '-lt', advance: 3 },
    { at: 1, text: '-le', op: '-le', advance: 3 },
    { at: 1, text: '-gt', op: '-gt', advance: 3 },
    { at: 1, text: '-ge', op: '-ge', advance: 3 },
    { at: 0, text: '!', op: '!', advance: 1 },
    { at: 0, text: '-o', op: '-o', advance: 1 },
    { at: 0, text: '-a', op: '-a', advance: 1 },
    { at: 0, text: '-z', op: '-z', advance: 2 },
    { at: 0, text: '-n', op: '-n', advance: 2 },
    { at: 0, text: '-e', op: '-e', advance: 4 },
  ];
  const ap = args.slice(1);
  let position = 0;
  let expr = false;
  let lastExpr = false;
  let lastUnaryNot = false;
  let lastBinary: '-a' | '-o' | undefined;
  while (ap.length - position > 0) {
    const left = ap.length - position;
    const found = operators.find((o) => left > o.at && ap[position + o.at] === o.text);
    if (!found || left < found.advance) {
      expr = true;
      break;
    }
    const a = ap[position] ?? '';
    const b = ap[position + 1] ?? '';
    const c = ap[position + 2] ?? '';
    switch (found.op) {
      case '-z':
        expr = b.length === 0;
        break;
      case '-n':
        expr = b.length !== 0;
        break;
      case '=':
        expr = a === c;
        break;
      case '!=':
        expr = a !== c;
        break;
      case '<':
        expr = a < c;
        break;
      case '>':
        expr = a > c;
        break;
      case '-eq':
        expr = parseCNumber(a) === parseCNumber(c);
        break;
      case '-ne':
        expr = parseCNumber(a) !== parseCNumber(c);
        break;
      case '-lt':
        expr = parseCNumber(a) < parseCNumber(c);
        break;
      case '-le':
        expr = parseCNumber(a) <= parseCNumber(c);
        break;
      case '-gt':
        expr = parseCNumber(a) > parseCNumber(c);
        break;
      case '-ge':
        expr = parseCNumber(a) >= parseCNumber(c);
        break;
      case '-e':
        expr = fileExists(machine, b, c, ap[position + 3] ?? '');
        break;
    }
    switch (found.op) {
      case '-o':
      case '-a':
        lastExpr = expr;
        lastBinary = found.op;
        break;
      case '!':
        lastUnaryNot = !lastUnaryNot;
        break;
      default:
        if (lastUnaryNot) {
          expr = !expr;
          lastUnaryNot = false;
        }
        if (lastBinary === '-o') expr = lastExpr || expr;
        else if (lastBinary === '-a') expr = lastExpr && expr;
        lastBinary = undefined;
    }
    position += found.advance;
  }
  return expr ? 0 : 1;
};

const exit: CommandHandler = ({ machine, args }) =>
  machine.exit(args.length > 1 ? decimalToNumber(args[1] as string) : 0);

/** setexpr name value [op value]: hex arithmetic; sub/gsub regex substitution (setexpr-regex.ts); `*addr` is not modelled. */
const setexpr: CommandHandler = ({ machine, args }) => {
  const [, name, left, op, right] = args;
  if (name === undefined || left === undefined) return 1;
  if (left === 'sub' || left === 'gsub') {
    // setexpr NAME sub|gsub R S [T]: on T, or on NAME's own value.
    const [, , , pattern, replacement, given] = args;
    if (pattern === undefined || replacement === undefined) return 1;
    const text = given ?? machine.env.get(name);
    if (text === undefined) {
      machine.print(`## Error: variable "${name}" not defined`);
      return 1;
    }
    const outcome = regexSubstitute(text, pattern, replacement, left === 'gsub');
    if (outcome.kind === 'not-modelled') {
      machine.warn(`setexpr ${args.slice(2).join(' ')}: ${outcome.reason}; not modelled`);
      return 0;
    }
    if (outcome.kind === 'no-match') return 1;
    machine.env.set(name, outcome.value);
    return 0;
  }
  if (left.startsWith('*')) {
    machine.warn(`setexpr ${args.slice(2).join(' ')}: memory forms are not modelled`);
    return 0;
  }
  const a = hexToNumber(left);
  if (op === undefined) {
    machine.env.set(name, formatEnvHex(a));
    return 0;
  }
  if (right === undefined) return 1;
  const b = hexToNumber(right);
  const results: Record<string, () => number | undefined> = {
    '+': () => a + b,
    '-': () => a - b,
    '*': () => a * b,
    '/': () => (b === 0 ? undefined : Math.floor(a / b)),
    '%': () => (b === 0 ? undefined : a % b),
    '&': () => Number(BigInt(a) & BigInt(b)),
    '|': () => Number(BigInt(a) | BigInt(b)),
    '^': () => Number(BigInt(a) ^ BigInt(b)),
  };
  const compute = results[op];
  const value = compute?.();
  if (value === undefined) return 1;
  machine.env.set(name, formatEnvHex(value < 0 ? Number(BigInt.asUintN(32, BigInt(value))) : value));
  return 0;
};

export const SHELL_COMMANDS: Record<string, CommandHandler> = {
  setenv,
  printenv,
  env,
  showvar,
  run,
  echo,
  test,
  true: () => 0,
  false: () => 1,
  exit,
  setexpr,
};

export type { CommandContext };
