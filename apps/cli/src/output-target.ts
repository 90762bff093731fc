/**
 * Where a command that makes binary data writes it when no -o is given: stdout, as `cpio -o`,
 * `gzip -c` and mkimage-like filters do, unless stdout is a terminal (binary data there is garbage
 * and can drive the terminal), which is a usage error.
 */
import { UsageError } from './usage-error.js';

export function outputTarget(output: string | undefined, what: string): string {
  if (output !== undefined) return output;
  if (process.stdout.isTTY) {
    throw new UsageError(`refusing to write ${what} to a terminal: give -o FILE, or redirect stdout`);
  }
  return '-';
}
