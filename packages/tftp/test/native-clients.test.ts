/**
 * The native clients (tftp-hpa's tftp and curl's tftp://) against our server: equal bytes for the edge
 * sizes and exactly 65536 blocks, with and without curl's --tftp-blksize; netascii as tftp-hpa converts
 * it; uploads from both when writes are allowed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/harness/temp.js';
import { hasTools } from '../../../test/harness/tools.js';
import { startTftpServer, type TftpServer } from '../src/index.js';

const temp = useTempDir('initkit-tftp-native-');

/** Runs a client without blocking the event loop (the server under test lives in this process). */
function run(command: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

async function runOk(command: string, args: string[]): Promise<void> {
  const result = await run(command, args);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

const SIZES: Record<string, number> = { empty: 0, s511: 511, s512: 512, s513: 513, m1: 1_000_003 };

describe.runIf(hasTools('tftp', 'curl'))('tftp-hpa and curl against our server', () => {
  let server: TftpServer;
  let root: string;
  let out: string;
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    root = join(temp(), 'root');
    out = join(temp(), 'out');
    mkdirSync(root, { recursive: true });
    mkdirSync(out, { recursive: true });
    for (const [name, size] of Object.entries(SIZES)) {
      const data = randomBytes(size);
      files.set(name, data);
      writeFileSync(join(root, name), data);
    }
    const blocks = randomBytes(65536 * 512);
    files.set('blocks65536', blocks);
    writeFileSync(join(root, 'blocks65536'), blocks);
    writeFileSync(join(root, 'text.txt'), 'one\ntwo\r\nthree\rfour\n');
    server = await startTftpServer({ root, port: 0, address: '127.0.0.1', allowWrite: true });
  });
  afterAll(() => server?.close());

  const same = (path: string, name: string) =>
    expect(Buffer.compare(readFileSync(path), files.get(name)!), name).toBe(0);

  it('tftp-hpa reads every size byte for byte (including 65536 blocks)', async () => {
    for (const name of [...Object.keys(SIZES), 'blocks65536']) {
      const target = join(out, `hpa-${name}`);
      const result = await run('tftp', ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'get', name, target]);
      expect(result.status, result.stderr).toBe(0);
      same(target, name);
    }
  });

  it.each([
    ['default options', []],
    ['--tftp-blksize 1468', ['--tftp-blksize', '1468']],
    ['--tftp-blksize 65464', ['--tftp-blksize', '65464']],
    ['--tftp-no-options', ['--tftp-no-options']],
  ])('curl reads every size byte for byte with %s', async (_label, flags) => {
    for (const name of Object.keys(SIZES)) {
      // curl 7.88 rejects "tsize 0" in an OACK ("invalid tsize value", exit 71), from tftpd-hpa too; the
      // empty file is covered by --tftp-no-options.
      if (name === 'empty' && !flags.includes('--tftp-no-options')) continue;
      const target = join(out, `curl-${name}`);
      await runOk('curl', ['-sS', ...flags, '-o', target, `tftp://127.0.0.1:${server.port}/${name}`]);
      same(target, name);
    }
  });

  it('curl reads 65536 blocks of 512', async () => {
    const target = join(out, 'curl-blocks65536');
    await runOk('curl', ['-sS', '--tftp-no-options', '-o', target, `tftp://127.0.0.1:${server.port}/blocks65536`]);
    same(target, 'blocks65536');
  });

  it('curl reads over IPv6', async () => {
    const v6 = await startTftpServer({ root, port: 0, address: '::1' });
    try {
      const target = join(out, 'curl-v6');
      await runOk('curl', ['-sS', '-o', target, `tftp://[::1]:${v6.port}/s513`]);
      same(target, 's513');
    } finally {
      await v6.close();
    }
  });

  it('tftp-hpa gets netascii as local text', async () => {
    const target = join(out, 'hpa-text.txt');
    await runOk('tftp', ['-m', 'netascii', '127.0.0.1', String(server.port), '-c', 'get', 'text.txt', target]);
    expect(readFileSync(target, 'latin1')).toBe('one\ntwo\r\nthree\rfour\n');
  });

  it('tftp-hpa and curl upload when writes are allowed', async () => {
    const data = randomBytes(123_457);
    const local = join(out, 'upload.bin');
    writeFileSync(local, data);
    await runOk('tftp', ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'put', local, 'from-hpa']);
    expect(Buffer.compare(readFileSync(join(root, 'from-hpa')), data)).toBe(0);
    await runOk('curl', ['-sS', '--tftp-blksize', '1468', '-T', local, `tftp://127.0.0.1:${server.port}/from-curl`]);
    expect(Buffer.compare(readFileSync(join(root, 'from-curl')), data)).toBe(0);
  });

  it('tells curl and tftp-hpa about missing files', async () => {
    const result = await run('curl', ['-sS', '-o', join(out, 'x'), `tftp://127.0.0.1:${server.port}/missing`]);
    expect(result.status).toBe(68); // CURLE_TFTP_NOTFOUND
    const hpa = await run('tftp', [
      '-m',
      'binary',
      '127.0.0.1',
      String(server.port),
      '-c',
      'get',
      'missing',
      join(out, 'y'),
    ]);
    expect(hpa.stderr + hpa.stdout).toMatch(/Error code 1: .*file not found/i);
  });
});
