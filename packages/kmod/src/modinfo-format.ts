/**
 * modinfo's text: `filename:` first, then each .modinfo entry as `key:` padded to 16 columns, the
 * signature fields, and the parameters last (`parm:` joining each parm and parmtype). With a field
 * (-F) only that key's values are printed; the `parm` field prints "name:description (type)".
 */
import type { KernelModule } from './kernel-module.js';
import type { ModinfoEntry } from './modinfo.js';
import { formatSignatureHex } from './signature.js';

export interface ModinfoTextOptions {
  /** Print only this field's values, one per line (modinfo -F). */
  field?: string;
  /** The file name to print on the `filename:` line (default: the module's path). */
  filename?: string;
  /** Separator after each value: '\n' (default) or '\0' (modinfo -0, which also prints key=value). */
  separator?: string;
}

/** The entries modinfo lists: the .modinfo ones, then sig_id, signer, sig_key, sig_hashalgo, signature. */
export function modinfoEntries(module: KernelModule): ModinfoEntry[] {
  const entries = [...module.info];
  const signature = module.signature;
  if (signature) {
    entries.push(
      { key: 'sig_id', value: signature.idType },
      { key: 'signer', value: signature.signer },
      { key: 'sig_key', value: formatSignatureHex(signature.keyId) },
      { key: 'sig_hashalgo', value: signature.hashAlgorithm },
      { key: 'signature', value: formatSignatureHex(signature.signature) },
    );
  }
  return entries;
}

interface Parameter {
  name: string;
  description: string | undefined;
  type: string | undefined;
}

export function formatModinfo(module: KernelModule, options: ModinfoTextOptions = {}): string {
  const separator = options.separator ?? '\n';
  const filename = options.filename ?? module.path ?? '';
  const { field } = options;
  if (field === 'filename') return `${filename}${separator}`;
  const entries = modinfoEntries(module);
  const parameters = collectParameters(entries);
  let text = '';
  if (field === 'parm') {
    for (const p of parameters) text += `${formatParameter(p, 'field')}${separator}`;
    return text;
  }
  if (field !== undefined) {
    for (const entry of entries) if (entry.key === field) text += `${entry.value}${separator}`;
    return text;
  }
  text += `${'filename:'.padEnd(16)}${filename}${separator}`;
  for (const { key, value } of entries) {
    if (key === 'parm' || key === 'parmtype') continue;
    text += separator === '\0' ? `${key}=${value}${separator}` : `${`${key}:`.padEnd(16)}${value}${separator}`;
  }
  for (const p of parameters) text += `${'parm:'.padEnd(16)}${formatParameter(p, 'listing')}${separator}`;
  return text;
}

/** modinfo lists parameters newest-first: each new name goes to the front of its list. */
function collectParameters(entries: readonly ModinfoEntry[]): Parameter[] {
  const byName = new Map<string, Parameter>();
  const order: Parameter[] = [];
  for (const { key, value } of entries) {
    if (key !== 'parm' && key !== 'parmtype') continue;
    const colon = value.indexOf(':');
    if (colon < 0) continue;
    const name = value.slice(0, colon);
    let parameter = byName.get(name);
    if (!parameter) {
      parameter = { name, description: undefined, type: undefined };
      byName.set(name, parameter);
      order.unshift(parameter);
    }
    if (key === 'parm') parameter.description = value.slice(colon + 1);
    else parameter.type = value.slice(colon + 1);
  }
  return order;
}

/**
 * "name:description (type)". Without a description the full listing prints "name:type" while -F parm
 * prints "name: (type)", as modinfo does.
 */
function formatParameter(p: Parameter, mode: 'listing' | 'field'): string {
  if (p.description === undefined)
    return mode === 'field' ? `${p.name}: (${p.type ?? ''})` : `${p.name}:${p.type ?? ''}`;
  return p.type !== undefined ? `${p.name}:${p.description} (${p.type})` : `${p.name}:${p.description}`;
}
