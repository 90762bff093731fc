/**
 * Output into a closed pipe (`initkit initramfs ls BIG | head -1`) stops quietly, as coreutils do:
 * no "Unhandled 'error' event", no stack trace, nothing on stderr; the process ends by SIGPIPE
 * (status 141 in a shell). One case per command that writes a lot to stdout.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { directoryEntry, fileEntry, writeCpio } from '@initkit/cpio';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runOk } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  bytesRead: number;
}

/** Runs the CLI, reads `readBytes` of its stdout (0: none), then closes the reading end. */
function runIntoClosedPipe(args: string[], readBytes: number): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let bytesRead = 0;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
    });
    if (readBytes === 0) child.stdout.destroy();
    else {
      child.stdout.on('data', (chunk: Buffer) => {
        bytesRead += chunk.length;
        if (bytesRead >= readBytes) child.stdout.destroy();
      });
    }
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, bytesRead }));
  });
}

function expectQuietStop(ended: Ended): void {
  expect(ended.stderr).toBe('');
  // Killed by SIGPIPE as coreutils are; 141 is what the shell would show if the signal were lost.
  expect(ended.signal === 'SIGPIPE' || ended.code === 141).toBe(true);
}

describe.runIf(hasTools('mkimage'))('output into a closed pipe', () => {
  const temp = useTempDir('initkit-cli-pipe-');
  let big: string;
  let bigGzip: string;
  let uimage: string;

  beforeAll(() => {
    // Outputs far larger than a pipe's buffer, so the writer is still writing when the reader goes:
    // 40,000 paths and one 8 MiB file of random bytes.
    const payload = randomBytes(8 << 20);
    const entries = [directoryEntry('many'), fileEntry('payload.bin', payload)];
    for (let i = 0; i < 40000; i++) entries.push(fileEntry(`many/file-with-a-long-name-${i}`, new Uint8Array(0)));
    const cpio = writeCpio(entries);
    big = join(temp(), 'big.cpio.gz');
    writeFileSync(big, gzipSync(cpio, { level: 1 }));
    bigGzip = join(temp(), 'payload.gz');
    writeFileSync(bigGzip, gzipSync(payload, { level: 1 }));
    uimage = join(temp(), 'payload.uimg');
    runOk('mkimage', ['-A', 'arm', '-O', 'linux', '-T', 'ramdisk', '-C', 'none', '-n', 'p', '-d', bigGzip, uimage]);
    writeFileSync(join(temp(), 'big.cpio'), cpio);
  });

  const commands: Array<[string, () => string[]]> = [
    ['initramfs ls', () => ['initramfs', 'ls', big]],
    ['initramfs ls -v', () => ['initramfs', 'ls', '-v', big]],
    ['initramfs ls --json', () => ['initramfs', 'ls', '--json', big]],
    ['initramfs cat', () => ['initramfs', 'cat', big, 'payload.bin']],
    ['cpio list -v', () => ['cpio', 'list', '-v', join(temp(), 'big.cpio')]],
    ['cpio list --json', () => ['cpio', 'list', '--json', join(temp(), 'big.cpio')]],
    ['compress decode', () => ['compress', 'decode', bigGzip]],
    ['uimage extract -o -', () => ['uimage', 'extract', '-o', '-', uimage]],
  ];

  for (const [name, args] of commands) {
    it(`${name}: reader closes after the first bytes`, async () => {
      const ended = await runIntoClosedPipe(args(), 1);
      expect(ended.bytesRead).toBeGreaterThan(0);
      expectQuietStop(ended);
    });

    it(`${name}: reader closed before the first write`, async () => {
      expectQuietStop(await runIntoClosedPipe(args(), 0));
    });
  }

  it('initramfs ls BIG | head -1 prints one line and the shell sees 141, nothing on stderr', () => {
    const result = spawnSync(
      'bash',
      ['-c', 'set -o pipefail; "$0" "$1" initramfs ls "$2" | head -1', process.execPath, cliPath, big],
      { encoding: 'utf8' },
    );
    expect(result.stdout).toBe('.\n');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(141);
  });
});
