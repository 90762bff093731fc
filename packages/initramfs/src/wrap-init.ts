/**
 * The /init wrapper: a small busybox-sh script installed as /init that loads the given modules in
 * order with insmod and then hands over to the original /init, kept under another name. A shell-script
 * original is sourced (the Scaleway style: same process, same PID 1, its variables and traps live on);
 * anything else is exec'ed.
 */
import { decodeUtf8 } from '@initkit/core';

/** A line the wrapper carries so a second wrap can recognise it. */
export const WRAPPER_MARKER = '# initkit: wrapped init';

export type Handover = 'source' | 'exec' | 'auto';

export interface WrapperScriptOptions {
  /** Absolute paths of the modules to insmod, in load order. */
  modules: readonly string[];
  /** The original init's absolute path, e.g. "/init.orig". */
  original: string;
  /** How to hand over: source a shell script, exec anything; decided by `originalBytes` for 'auto'. */
  handover: 'source' | 'exec';
}

/** True when the bytes are a script /bin/sh (or busybox sh) can run by sourcing. */
export function isShellScript(bytes: Uint8Array | undefined): boolean {
  if (!bytes || bytes.length < 2 || bytes[0] !== 0x23 || bytes[1] !== 0x21) return false;
  const firstLine = decodeUtf8(bytes.subarray(0, Math.min(bytes.length, 128))).split('\n')[0]!;
  return /^#!\s*(\/usr)?\/bin\/(sh|ash|dash|busybox\s+sh)\b/.test(firstLine);
}

/** True when an /init is a wrapper this package wrote. */
export function isInitkitWrapper(bytes: Uint8Array | undefined): boolean {
  if (!bytes) return false;
  return decodeUtf8(bytes.subarray(0, Math.min(bytes.length, 256))).includes(WRAPPER_MARKER);
}

/** The module paths an initkit wrapper loads, in its order (what wrapperScript wrote). */
export function wrappedModules(bytes: Uint8Array): string[] {
  const lines = decodeUtf8(bytes).split('\n');
  const start = lines.indexOf('for initkit_module in \\');
  if (start < 0) return [];
  const modules: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^\t(.*) \\$/.exec(line);
    if (!match) break;
    const word = match[1]!;
    modules.push(word.startsWith("'") ? word.slice(1, -1).replace(/'\\''/g, "'") : word);
  }
  return modules;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The wrapper's text. */
export function wrapperScript(options: WrapperScriptOptions): string {
  const lines = [
    '#!/bin/sh',
    WRAPPER_MARKER,
    `# Loads ${options.modules.length} kernel module(s), then hands over to ${options.original}.`,
  ];
  if (options.modules.length > 0) {
    lines.push('for initkit_module in \\');
    for (const module of options.modules) lines.push(`\t${shellQuote(module)} \\`);
    lines.push('; do');
    lines.push('\tinsmod "$initkit_module" || echo "initkit: insmod $initkit_module failed" >&2');
    lines.push('done');
    lines.push('unset initkit_module');
  }
  const original = shellQuote(options.original);
  lines.push(options.handover === 'source' ? `. ${original}` : `exec ${original} "$@"`);
  return `${lines.join('\n')}\n`;
}
