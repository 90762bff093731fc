/**
 * Text in, script image out, and back: `parseScript` picks the dialect's parser, `compileScript`
 * checks the syntax (unless told not to) and wraps the text unchanged, byte-identical to
 * `mkimage -A arm -O linux -T script -C none -n NAME -d FILE`; `decompileScript` returns the text.
 */
import type { Dialect, Script } from './ast.js';
import { parseHush } from './hush-parser.js';
import { type UnwrapOptions, unwrapScriptImage, type WrapOptions, wrapScriptImage } from './image.js';
import { parseSimple } from './simple-parser.js';

export interface ParseOptions {
  /** 'hush' (default, U-Boot's usual parser) or 'simple'. */
  dialect?: Dialect;
}

/** Parses script text; throws InitkitError BOOTSCRIPT_SYNTAX with line and column on a syntax error. */
export function parseScript(text: string, options: ParseOptions = {}): Script {
  return options.dialect === 'simple' ? parseSimple(text) : parseHush(text);
}

export interface CompileOptions extends WrapOptions, ParseOptions {
  /** Parse first and refuse text with a syntax error (default true). */
  validate?: boolean;
}

export function compileScript(text: string, options: CompileOptions = {}): Uint8Array {
  if (options.validate !== false) parseScript(text, options);
  return wrapScriptImage(text, options);
}

export function decompileScript(image: Uint8Array, options: UnwrapOptions = {}): string {
  return unwrapScriptImage(image, options).text;
}
