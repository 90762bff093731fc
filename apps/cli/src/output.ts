/**
 * Writing results: JSON for --json, output files that are replaced atomically or go to stdout, and a
 * reader that went away (`initkit ... | head -1`), which stops the command quietly as coreutils do.
 */
// node:fs when first used, not with this module: on Node 20.11 `initkit kexec` prints without it.
import { nodeFs, writeFileAtomic } from '@initkit/core/node';

/** Prints a value as indented JSON; bigints become decimal strings and Uint8Arrays are omitted. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return undefined;
  return value;
}

/**
 * The mode an output file gets: an existing file keeps its own (as a tool that truncates it does);
 * a new one gets `created`, by default 0666 less the umask, as mkimage, cpio -o and a shell
 * redirection give it (dumpimage passes 0600).
 */
export function outputMode(path: string, created = 0o666 & ~process.umask()): number {
  try {
    return nodeFs().statSync(path).mode & 0o7777;
  } catch {
    return created;
  }
}

/** Writes bytes to `path` atomically (mode as outputMode), or to stdout when `path` is '-'. */
export async function writeOutput(path: string, data: Uint8Array, createdMode?: number): Promise<void> {
  if (path === '-') {
    await writeStdout(data);
    return;
  }
  await writeFileAtomic(path, data, { mode: outputMode(path, createdMode) });
}

/** Writes one chunk to stdout and waits until it is handed to the OS (backpressure for big outputs). */
export function writeStdout(data: Uint8Array | string): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    process.stdout.write(data, (error) => (error ? reject(error) : resolve())),
  );
}

/** True for the error a write gets once the reading end of stdout or stderr has been closed. */
export function isBrokenPipe(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as NodeJS.ErrnoException).code === 'EPIPE' ||
      (error as NodeJS.ErrnoException).code === 'ERR_STREAM_DESTROYED')
  );
}

/**
 * Ends the process as a coreutils tool ends when its reader goes away: killed by SIGPIPE, no message
 * (a shell shows status 141). Node ignores SIGPIPE at start-up; adding then removing a listener
 * restores the default action. If the signal is not delivered, exit 141 says the same.
 */
export function stopOnBrokenPipe(): never {
  process.on('SIGPIPE', () => {});
  process.removeAllListeners('SIGPIPE');
  process.kill(process.pid, 'SIGPIPE');
  process.exit(128 + 13);
}

/**
 * Installs the handlers for stdout and stderr errors: a closed pipe stops quietly; any other write
 * error (a full disk behind a redirection) is one line on stderr and exit status 1. Without them
 * Node reports "Unhandled 'error' event" with a stack trace.
 */
export function handleOutputErrors(): void {
  process.stdout.on('error', (error) => {
    if (isBrokenPipe(error)) stopOnBrokenPipe();
    process.stderr.write(`initkit: cannot write to stdout: ${error.message}\n`);
    process.exit(1);
  });
  process.stderr.on('error', (error) => {
    if (isBrokenPipe(error)) stopOnBrokenPipe();
    process.exit(1);
  });
}
