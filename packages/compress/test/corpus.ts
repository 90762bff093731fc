/**
 * Test inputs generated at test time (never committed): a cpio of real system files mixed with text,
 * zeros and random bytes, helpers to run the native compressors on it, and the byte helpers the
 * streaming tests share (chunking an input, collecting a decoder's output).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes, isInitkitError } from '@initkit/core';

let cached: Uint8Array | undefined;

/** About 1.5 MiB: a newc cpio of /usr/share files, text, a run of zeros and random bytes. */
export function corpus(): Uint8Array {
  if (cached) return cached;
  let archive: Uint8Array;
  try {
    archive = execFileSync(
      'sh',
      [
        '-c',
        'find /usr/share/doc /usr/lib/os-release -xdev 2>/dev/null | head -n 400 | cpio -o -H newc 2>/dev/null | head -c 1000000',
      ],
      {
        maxBuffer: 1 << 26,
      },
    );
  } catch {
    archive = new Uint8Array(0);
  }
  const text = new TextEncoder().encode('initkit compress corpus line\n'.repeat(4000));
  const zeros = new Uint8Array(200_000);
  const random = new Uint8Array(150_000);
  let seed = 12345;
  for (let i = 0; i < random.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    random[i] = seed >>> 24;
  }
  const parts = [archive, text, zeros, random];
  const total = parts.reduce((n, p) => n + p.length, 0);
  cached = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    cached.set(part, at);
    at += part.length;
  }
  return cached;
}

/** Runs `command args` with `input` on stdin and returns stdout. */
export function native(command: string, args: string[], input: Uint8Array): Uint8Array {
  return new Uint8Array(execFileSync(command, args, { input, maxBuffer: 1 << 28 }));
}

/** Runs a tool that only works on files (lzop): writes input, runs, reads the result. */
export function nativeOnFile(build: (inputPath: string, outputPath: string) => void, input: Uint8Array): Uint8Array {
  const directory = mkdtempSync(join(tmpdir(), 'initkit-compress-'));
  try {
    const inputPath = join(directory, 'in');
    const outputPath = join(directory, 'out');
    writeFileSync(inputPath, input);
    build(inputPath, outputPath);
    return new Uint8Array(readFileSync(outputPath));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** `bytes` cut into `size`-byte views, as a streaming source would deliver them. */
export function* pieces(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/**
 * The same pieces copied one after another into one buffer, as a file reader that reuses its buffer
 * gives them: each is overwritten when the next is asked for.
 */
export function* lentPieces(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  const buffer = new Uint8Array(size);
  for (const piece of pieces(bytes, size)) {
    buffer.set(piece);
    yield buffer.subarray(0, piece.length);
  }
}

/** A decoder's streamed output in one array. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return concat(...parts);
}

/**
 * Runs `action` and rethrows any error that is not an InitkitError: the fast-check properties' rule
 * that a decoder given any bytes returns or fails with a typed error.
 */
export function onlyTypedErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!isInitkitError(error)) throw error;
  }
}

/** Compares without vitest printing megabytes on failure. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/** The code of the InitkitError `run` throws, or 'ok'. */
export async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return isInitkitError(error) ? error.code : `not an InitkitError: ${String(error)}`;
  }
}
