/**
 * `initkit tftp`: get and put against `initkit tftp serve` (run as its own process) and against
 * tftpd-hpa, exit codes and error lines; the served directory checked with tftp-hpa's client.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, initkit, run } from '../../../test/harness/run.js';
import { useTempDir } from '../../../test/harness/temp.js';
import { startTftpdHpa, type TftpdHpa } from '../../../test/harness/tftpd-hpa.js';
import { hasTools } from '../../../test/harness/tools.js';

const temp = useTempDir('initkit-cli-tftp-');

/** Starts `initkit tftp serve` and resolves with its port once it prints the listening line. */
function serve(args: string[]): Promise<{ child: ChildProcess; port: number; log: () => string }> {
  const child = spawn(process.execPath, [cliPath, 'tftp', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /^serving .* on 127\.0\.0\.1:(\d+) /m.exec(stdout);
      if (match) resolve({ child, port: Number(match[1]), log: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

describe('initkit tftp', () => {
  let root: string;
  let server: Awaited<ReturnType<typeof serve>>;
  const data = randomBytes(300_001);

  beforeAll(async () => {
    root = join(temp(), 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'initrd.img'), data);
    server = await serve([root, '--port', '0', '--address', '127.0.0.1', '--allow-write']);
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
  });

  /** `initkit tftp get` of the served initrd.img into `output`. */
  const getInitrd = (output: string, ...flags: string[]) =>
    initkit(['tftp', 'get', `127.0.0.1:${server.port}`, 'initrd.img', '-o', output, ...flags]);

  it('get writes the file and reports the transfer; serve logs it', async () => {
    const output = join(temp(), 'fetched');
    const result = getInitrd(output, '--blksize', '1468');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/tftp get initrd\.img: 300001 bytes in .* blksize 1468, windowsize 16/);
    expect(Buffer.compare(readFileSync(output), data)).toBe(0);
    const logged = /read "initrd\.img" by 127\.0\.0\.1:\d+: 300001 bytes/;
    for (let i = 0; i < 100 && !logged.test(server.log()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.log()).toMatch(logged);
  });

  it('get -o - writes to stdout; --json prints the summary', () => {
    const result = initkit(['tftp', 'get', `127.0.0.1:${server.port}`, 'initrd.img', '-o', '-', '-q']);
    expect(result.status).toBe(0);
    expect(Buffer.compare(result.stdoutBytes, data)).toBe(0);
    const output = join(temp(), 'fetched-json');
    const json = getInitrd(output, '--json', '--no-options');
    expect(JSON.parse(json.stdout)).toMatchObject({ bytes: 300_001, negotiated: false, blksize: 512 });
  });

  it('put sends a file', () => {
    const local = join(temp(), 'upload.bin');
    const upload = randomBytes(70_000);
    writeFileSync(local, upload);
    const result = initkit(['tftp', 'put', `127.0.0.1:${server.port}`, local, 'uploaded.bin', '-q']);
    expect(result.status, result.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(join(root, 'uploaded.bin')), upload)).toBe(0);
  });

  it('exits 1 with the error code for a missing file, 2 for bad flags', () => {
    const missing = initkit(['tftp', 'get', `127.0.0.1:${server.port}`, 'missing', '-o', join(temp(), 'm')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /^initkit: read of "missing" from 127\.0\.0\.1:\d+ sent error 1: .*\[TFTP_NOT_FOUND\]\n$/,
    );
    expect(initkit(['tftp', 'get', `127.0.0.1:${server.port}`, 'x', '--blksize', '7']).status).toBe(2);
    expect(initkit(['tftp', 'get', '127.0.0.1:99999', 'x']).status).toBe(2);
  });

  it('fails at once with TFTP_UNREACHABLE when nothing listens (ICMP port unreachable)', () => {
    const result = initkit(['tftp', 'get', '127.0.0.1:9', 'x', '-o', join(temp(), 'n'), '--deadline', '60']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('[TFTP_UNREACHABLE]');
  });

  describe.runIf(hasTools('in.tftpd', 'tftp'))('with the native tools', () => {
    let daemon: TftpdHpa;
    beforeAll(async () => {
      daemon = await startTftpdHpa({ root });
    });
    afterAll(() => daemon?.stop());

    it('get fetches from tftpd-hpa', () => {
      const output = join(temp(), 'from-hpa');
      const result = initkit(['tftp', 'get', `${daemon.address}:${daemon.port}`, 'initrd.img', '-o', output]);
      expect(result.status, result.stderr).toBe(0);
      expect(Buffer.compare(readFileSync(output), data)).toBe(0);
    });

    it('tftp-hpa fetches from initkit tftp serve', () => {
      const output = join(temp(), 'hpa-from-serve');
      const result = run('tftp', ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'get', 'initrd.img', output]);
      expect(result.status, result.stderr).toBe(0);
      expect(Buffer.compare(readFileSync(output), data)).toBe(0);
    });
  });
});
