/**
 * @initkit/bootscript: U-Boot boot scripts. Unwrap and wrap script images (byte-identical to mkimage),
 * parse the hush subset real scripts use (or U-Boot's simple parser) into an AST with positions,
 * print it back, and evaluate a script against an environment into a BootPlan: the loads, the boot
 * command with kernel, initrd and device tree resolved to files, bootargs and the final environment.
 * Isomorphic: strings and Uint8Array in and out.
 */
export type {
  AndOrList,
  Command,
  CommandList,
  Dialect,
  ForCommand,
  IfClause,
  IfCommand,
  LoopCommand,
  Position,
  Script,
  SimpleCommand,
  StatusPart,
  TextPart,
  VariablePart,
  Word,
  WordPart,
} from './ast.js';
export { type CheckScriptOptions, checkScript, planWarnings, type ScriptFinding } from './check.js';
export { type CompileOptions, compileScript, decompileScript, type ParseOptions, parseScript } from './compile.js';
export { DEFAULT_ENV, DEFAULT_LOAD_ADDRESS } from './defaults.js';
export { BOOTSCRIPT_ERROR_CODES, type BootscriptErrorCode } from './errors.js';
export { type EvaluateOptions, evaluate } from './evaluator.js';
export { type HushParseResult, parseHush, parseHushPrefix } from './hush-parser.js';
export {
  decodeScriptText,
  isScriptImage,
  type ScriptImage,
  type UnwrapOptions,
  unwrapScriptImage,
  type WrapOptions,
  wrapScriptImage,
} from './image.js';
export type { CommandContext, CommandHandler, FileInfo, FileResolver, Machine } from './machine.js';
export type { BootCommandPlan, BootImageRef, BootPlan, CommandRecord, LoadRecord } from './plan.js';
export { type PrintOptions, printScript, printWord } from './printer.js';
export { parseSimple } from './simple-parser.js';
