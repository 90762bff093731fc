/**
 * Writing results: JSON for --json, and output files that are replaced atomically or go to stdout.
 */
import { writeFileAtomic } from '@initkit/core/node';

/** Prints a value as indented JSON; bigints become decimal strings and Uint8Arrays are omitted. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return undefined;
  return value;
}

/** Writes bytes to `path` atomically, or to stdout when `path` is '-'. */
export async function writeOutput(path: string, data: Uint8Array): Promise<void> {
  if (path === '-') {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(data, (error) => (error ? reject(error) : resolve())),
    );
    return;
  }
  await writeFileAtomic(path, data);
}
